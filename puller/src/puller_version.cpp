// Placeholder translation unit so the library exists before its first real source lands.
namespace berth::puller {
const char* kPullerLibrary = "berth_puller";
}  // namespace berth::puller

#include "curl_api.hpp"

#include "berth/base/lazy_library.hpp"

// Here the names are the real functions again (for decltype and #name).
#undef curl_easy_cleanup
#undef curl_easy_getinfo
#undef curl_easy_init
#undef curl_easy_perform
#undef curl_easy_reset
#undef curl_easy_setopt
#undef curl_easy_strerror
#undef curl_getdate
#undef curl_global_init
#undef curl_share_cleanup
#undef curl_share_init
#undef curl_share_setopt
#undef curl_slist_append
#undef curl_slist_free_all

namespace berth::puller {

namespace {

constexpr const char* kSoname = "libcurl.so.4";

CurlApi Load() {
  void* handle = LoadLibraryOrDie(kSoname);
  CurlApi api;
#define BERTH_LOAD(name) \
  api.name = reinterpret_cast<decltype(api.name)>(LoadSymbolOrDie(handle, kSoname, #name));
  BERTH_CURLAPI_FUNCTIONS(BERTH_LOAD)
#undef BERTH_LOAD
  return api;
}

}  // namespace

const CurlApi& Curl() {
  static const CurlApi api = Load();
  return api;
}

}  // namespace berth::puller

#include "archive_api.hpp"

#include "berth/base/lazy_library.hpp"

// Here the names are the real functions again (for decltype and #name).
#undef archive_entry_atime
#undef archive_entry_atime_is_set
#undef archive_entry_atime_nsec
#undef archive_entry_filetype
#undef archive_entry_free
#undef archive_entry_gid
#undef archive_entry_hardlink
#undef archive_entry_mtime
#undef archive_entry_mtime_nsec
#undef archive_entry_new
#undef archive_entry_pathname
#undef archive_entry_pathname_utf8
#undef archive_entry_perm
#undef archive_entry_rdev
#undef archive_entry_set_filetype
#undef archive_entry_set_gid
#undef archive_entry_set_mtime
#undef archive_entry_set_pathname
#undef archive_entry_set_perm
#undef archive_entry_set_size
#undef archive_entry_set_uid
#undef archive_entry_size
#undef archive_entry_symlink
#undef archive_entry_uid
#undef archive_entry_xattr_next
#undef archive_entry_xattr_reset
#undef archive_error_string
#undef archive_read_data
#undef archive_read_data_block
#undef archive_read_free
#undef archive_read_new
#undef archive_read_next_header
#undef archive_read_open
#undef archive_read_open2
#undef archive_read_open_fd
#undef archive_read_support_filter_all
#undef archive_read_support_format_raw
#undef archive_read_support_format_empty
#undef archive_read_support_format_tar
#undef archive_set_error
#undef archive_write_close
#undef archive_write_data
#undef archive_write_finish_entry
#undef archive_write_free
#undef archive_write_header
#undef archive_write_new
#undef archive_write_open
#undef archive_write_set_bytes_in_last_block
#undef archive_write_set_format_pax_restricted

namespace berth::store {

namespace {

constexpr const char* kSoname = "libarchive.so.13";

ArchiveApi Load() {
  void* handle = LoadLibraryOrDie(kSoname);
  ArchiveApi api;
#define BERTH_LOAD(name) \
  api.name = reinterpret_cast<decltype(api.name)>(LoadSymbolOrDie(handle, kSoname, #name));
  BERTH_ARCHIVEAPI_FUNCTIONS(BERTH_LOAD)
#undef BERTH_LOAD
  return api;
}

}  // namespace

const ArchiveApi& Archive() {
  static const ArchiveApi api = Load();
  return api;
}

}  // namespace berth::store

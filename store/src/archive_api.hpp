// libarchive, loaded lazily.
//
// libarchive is opened at its first use (berth/base/lazy_library.hpp), not at berth's start.
// Include this header instead of the library's own: every function berth calls is a member
// of the ArchiveApi table, and a macro of the function's name routes each call through it, so the
// calling code reads as plain libarchive calls and the compiler checks every signature
// (each member is declared with decltype of the real function). A function not listed
// here fails to link, so a new call must be added to the list.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#define BERTH_ARCHIVEAPI_FUNCTIONS(X)      \
  X(archive_entry_atime)                   \
  X(archive_entry_atime_is_set)            \
  X(archive_entry_atime_nsec)              \
  X(archive_entry_filetype)                \
  X(archive_entry_free)                    \
  X(archive_entry_gid)                     \
  X(archive_entry_hardlink)                \
  X(archive_entry_mtime)                   \
  X(archive_entry_mtime_nsec)              \
  X(archive_entry_new)                     \
  X(archive_entry_pathname)                \
  X(archive_entry_pathname_utf8)           \
  X(archive_entry_perm)                    \
  X(archive_entry_rdev)                    \
  X(archive_entry_set_filetype)            \
  X(archive_entry_set_gid)                 \
  X(archive_entry_set_mtime)               \
  X(archive_entry_set_pathname)            \
  X(archive_entry_set_perm)                \
  X(archive_entry_set_size)                \
  X(archive_entry_set_uid)                 \
  X(archive_entry_size)                    \
  X(archive_entry_symlink)                 \
  X(archive_entry_uid)                     \
  X(archive_entry_xattr_next)              \
  X(archive_entry_xattr_reset)             \
  X(archive_error_string)                  \
  X(archive_read_data)                     \
  X(archive_read_data_block)               \
  X(archive_read_free)                     \
  X(archive_read_new)                      \
  X(archive_read_next_header)              \
  X(archive_read_open)                     \
  X(archive_read_open2)                    \
  X(archive_read_open_fd)                  \
  X(archive_read_support_filter_all)       \
  X(archive_read_support_format_raw)       \
  X(archive_read_support_format_empty)     \
  X(archive_read_support_format_tar)       \
  X(archive_set_error)                     \
  X(archive_write_close)                   \
  X(archive_write_data)                    \
  X(archive_write_finish_entry)            \
  X(archive_write_free)                    \
  X(archive_write_header)                  \
  X(archive_write_new)                     \
  X(archive_write_open)                    \
  X(archive_write_set_bytes_in_last_block) \
  X(archive_write_set_format_pax_restricted)

namespace berth::store {

struct ArchiveApi {
#define BERTH_MEMBER(name) decltype(&::name) name;
  BERTH_ARCHIVEAPI_FUNCTIONS(BERTH_MEMBER)
#undef BERTH_MEMBER
};

// The table, filled from libarchive.so.13 on the first call (thread-safe).
const ArchiveApi& Archive();

}  // namespace berth::store

#define archive_entry_atime (::berth::store::Archive().archive_entry_atime)
#define archive_entry_atime_is_set (::berth::store::Archive().archive_entry_atime_is_set)
#define archive_entry_atime_nsec (::berth::store::Archive().archive_entry_atime_nsec)
#define archive_entry_filetype (::berth::store::Archive().archive_entry_filetype)
#define archive_entry_free (::berth::store::Archive().archive_entry_free)
#define archive_entry_gid (::berth::store::Archive().archive_entry_gid)
#define archive_entry_hardlink (::berth::store::Archive().archive_entry_hardlink)
#define archive_entry_mtime (::berth::store::Archive().archive_entry_mtime)
#define archive_entry_mtime_nsec (::berth::store::Archive().archive_entry_mtime_nsec)
#define archive_entry_new (::berth::store::Archive().archive_entry_new)
#define archive_entry_pathname (::berth::store::Archive().archive_entry_pathname)
#define archive_entry_pathname_utf8 (::berth::store::Archive().archive_entry_pathname_utf8)
#define archive_entry_perm (::berth::store::Archive().archive_entry_perm)
#define archive_entry_rdev (::berth::store::Archive().archive_entry_rdev)
#define archive_entry_set_filetype (::berth::store::Archive().archive_entry_set_filetype)
#define archive_entry_set_gid (::berth::store::Archive().archive_entry_set_gid)
#define archive_entry_set_mtime (::berth::store::Archive().archive_entry_set_mtime)
#define archive_entry_set_pathname (::berth::store::Archive().archive_entry_set_pathname)
#define archive_entry_set_perm (::berth::store::Archive().archive_entry_set_perm)
#define archive_entry_set_size (::berth::store::Archive().archive_entry_set_size)
#define archive_entry_set_uid (::berth::store::Archive().archive_entry_set_uid)
#define archive_entry_size (::berth::store::Archive().archive_entry_size)
#define archive_entry_symlink (::berth::store::Archive().archive_entry_symlink)
#define archive_entry_uid (::berth::store::Archive().archive_entry_uid)
#define archive_entry_xattr_next (::berth::store::Archive().archive_entry_xattr_next)
#define archive_entry_xattr_reset (::berth::store::Archive().archive_entry_xattr_reset)
#define archive_error_string (::berth::store::Archive().archive_error_string)
#define archive_read_data (::berth::store::Archive().archive_read_data)
#define archive_read_data_block (::berth::store::Archive().archive_read_data_block)
#define archive_read_free (::berth::store::Archive().archive_read_free)
#define archive_read_new (::berth::store::Archive().archive_read_new)
#define archive_read_next_header (::berth::store::Archive().archive_read_next_header)
#define archive_read_open (::berth::store::Archive().archive_read_open)
#define archive_read_open2 (::berth::store::Archive().archive_read_open2)
#define archive_read_open_fd (::berth::store::Archive().archive_read_open_fd)
#define archive_read_support_filter_all (::berth::store::Archive().archive_read_support_filter_all)
#define archive_read_support_format_raw (::berth::store::Archive().archive_read_support_format_raw)
#define archive_read_support_format_empty \
  (::berth::store::Archive().archive_read_support_format_empty)
#define archive_read_support_format_tar (::berth::store::Archive().archive_read_support_format_tar)
#define archive_set_error (::berth::store::Archive().archive_set_error)
#define archive_write_close (::berth::store::Archive().archive_write_close)
#define archive_write_data (::berth::store::Archive().archive_write_data)
#define archive_write_finish_entry (::berth::store::Archive().archive_write_finish_entry)
#define archive_write_free (::berth::store::Archive().archive_write_free)
#define archive_write_header (::berth::store::Archive().archive_write_header)
#define archive_write_new (::berth::store::Archive().archive_write_new)
#define archive_write_open (::berth::store::Archive().archive_write_open)
#define archive_write_set_bytes_in_last_block \
  (::berth::store::Archive().archive_write_set_bytes_in_last_block)
#define archive_write_set_format_pax_restricted \
  (::berth::store::Archive().archive_write_set_format_pax_restricted)

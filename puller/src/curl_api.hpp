// libcurl, loaded lazily.
//
// libcurl is opened at its first use (berth/base/lazy_library.hpp), not at berth's start.
// Include this header instead of the library's own: every function berth calls is a member
// of the CurlApi table, and a macro of the function's name routes each call through it, so the
// calling code reads as plain libcurl calls and the compiler checks every signature
// (each member is declared with decltype of the real function). A function not listed
// here fails to link, so a new call must be added to the list.
#pragma once

#include <curl/curl.h>

#define BERTH_CURLAPI_FUNCTIONS(X) \
  X(curl_easy_cleanup)             \
  X(curl_easy_getinfo)             \
  X(curl_easy_init)                \
  X(curl_easy_perform)             \
  X(curl_easy_reset)               \
  X(curl_easy_setopt)              \
  X(curl_easy_strerror)            \
  X(curl_getdate)                  \
  X(curl_global_init)              \
  X(curl_share_cleanup)            \
  X(curl_share_init)               \
  X(curl_share_setopt)             \
  X(curl_slist_append)             \
  X(curl_slist_free_all)

namespace berth::puller {

struct CurlApi {
#define BERTH_MEMBER(name) decltype(&::name) name;
  BERTH_CURLAPI_FUNCTIONS(BERTH_MEMBER)
#undef BERTH_MEMBER
};

// The table, filled from libcurl.so.4 on the first call (thread-safe).
const CurlApi& Curl();

}  // namespace berth::puller

#define curl_easy_cleanup (::berth::puller::Curl().curl_easy_cleanup)
#define curl_easy_getinfo (::berth::puller::Curl().curl_easy_getinfo)
#define curl_easy_init (::berth::puller::Curl().curl_easy_init)
#define curl_easy_perform (::berth::puller::Curl().curl_easy_perform)
#define curl_easy_reset (::berth::puller::Curl().curl_easy_reset)
#define curl_easy_setopt (::berth::puller::Curl().curl_easy_setopt)
#define curl_easy_strerror (::berth::puller::Curl().curl_easy_strerror)
#define curl_getdate (::berth::puller::Curl().curl_getdate)
#define curl_global_init (::berth::puller::Curl().curl_global_init)
#define curl_share_cleanup (::berth::puller::Curl().curl_share_cleanup)
#define curl_share_init (::berth::puller::Curl().curl_share_init)
#define curl_share_setopt (::berth::puller::Curl().curl_share_setopt)
#define curl_slist_append (::berth::puller::Curl().curl_slist_append)
#define curl_slist_free_all (::berth::puller::Curl().curl_slist_free_all)

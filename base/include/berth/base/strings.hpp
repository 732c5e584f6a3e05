// String helpers for messages and output: quoting, splitting, human-readable sizes and ages.
// Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth {

// 'text' in single quotes, with control characters escaped, for error messages.
std::string Quote(std::string_view text);

std::vector<std::string> Split(std::string_view text, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string_view Trim(std::string_view text);

// Sizes as podman prints them: decimal units, three significant digits ("7.8 MB", "512 B").
std::string HumanSize(uint64_t bytes);
// "3 seconds", "About a minute", "2 hours" as go-units' HumanDuration words the time from
// `then` to `now` (seconds since the epoch; a negative span counts as none). podman prints it
// after "Up " in ps's STATUS column.
std::string HumanDuration(int64_t then, int64_t now);
// HumanDuration followed by " ago" ("3 seconds ago"), as podman prints ages.
std::string HumanAge(int64_t then, int64_t now);

// RFC 3339 with nanoseconds and "Z" ("2024-01-02T03:04:05.123456789Z") from a Unix time.
std::string FormatRfc3339(int64_t seconds, int32_t nanos = 0);
// Parses RFC 3339 (what image configs carry) to Unix seconds; false on malformed input.
bool ParseRfc3339(std::string_view text, int64_t* seconds);

}  // namespace berth

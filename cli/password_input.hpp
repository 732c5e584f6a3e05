// Reading a secret or a name from the user, for login: one line from stdin
// (--password-stdin), or a prompt on the terminal with echo turned off (termios) and restored
// on every way out, including Ctrl-C.
#pragma once

#include <string>

#include "berth/base/result.hpp"

namespace berth::cli {

// True when stdin is a terminal.
bool StdinIsTerminal();

// One line of stdin without its line ending. kInvalidArgument when stdin is empty.
Result<std::string> ReadStdinLine();

// Writes `prompt` to stderr and reads one line from the terminal on stdin; with `hidden`, the
// typed characters are not echoed. kInvalidArgument when stdin is not a terminal.
Result<std::string> Prompt(const std::string& prompt, bool hidden);

}  // namespace berth::cli

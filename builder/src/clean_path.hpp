// Lexical path cleaning with Go's path.Clean rules, which Docker applies to ignore patterns,
// COPY sources and destinations before it looks at the filesystem.
//
// Clean: repeated slashes collapse, "." components go, ".." removes the component before it
// (at the root of a rooted path it is dropped; at the start of a relative path it is kept),
// a trailing slash goes; an empty result is "." (or "/" when rooted). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::builder {

// Go's path.Clean: "a//b/./c/.." -> "a/b", "/../x" -> "/x", "../x" -> "../x", "" -> ".".
std::string CleanPath(std::string_view path);

// A path relative to the context root: leading slashes dropped, then CleanPath ("/a/./b" ->
// "a/b", "/" -> "."). The result may still start with ".." ("/../x" -> "../x").
std::string CleanRel(std::string_view path);

// The components of a path split on '/', empty components skipped ("a//b/" -> {"a", "b"}).
std::vector<std::string> SplitPath(std::string_view path);

// `dir` + "/" + `name`, where a dir of "." or "" stands for the context root ("." + "a" ->
// "a").
std::string JoinRel(std::string_view dir, std::string_view name);

}  // namespace berth::builder

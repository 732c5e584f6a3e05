// Image reference parsing and Docker Hub normalisation.
//
// Grammar (distribution/reference, regexp.go):
//   reference := name [":" tag] ["@" digest]
//   name      := [domain "/"] path-component ["/" path-component]*
//   domain    := host [":" port]   host := domain-component ("." domain-component)* | "[" ipv6 "]"
//   path-component := [a-z0-9]+ (separator [a-z0-9]+)*   separator := [_.] | "__" | [-]+
//   tag       := [\w][\w.-]{0,127}
// Normalisation follows distribution/reference normalize.go (see REFERENCE.md A.1).

#include "berth/store/reference.hpp"

#include <string>
#include <string_view>

#include "berth/base/strings.hpp"

namespace berth::store {

namespace {

constexpr std::string_view kDockerHub = "docker.io";
constexpr std::string_view kDockerHubLegacy = "index.docker.io";
constexpr std::string_view kDockerHubApi = "registry-1.docker.io";
constexpr size_t kMaxNameLength = 255;  // distribution's NameTotalLengthMax
constexpr size_t kMaxTagLength = 128;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsWordChar(char c) { return IsAlnum(c) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// One path component: alphanumeric runs joined by ".", "_", "__" or any run of "-".
bool IsPathComponent(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (IsLowerAlnum(s[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < s.size() && !IsLowerAlnum(s[i])) ++i;
    std::string_view sep = s.substr(start, i - start);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
  }
  return true;
}

bool IsTag(std::string_view s) {
  if (s.empty() || s.size() > kMaxTagLength || !IsWordChar(s.front())) return false;
  for (char c : s) {
    if (!IsWordChar(c) && c != '.' && c != '-') return false;
  }
  return true;
}

// A DNS label as distribution allows it (upper case too: host names are case-insensitive).
bool IsDomainComponent(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsHost(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    for (char c : host.substr(1, host.size() - 2)) {
      if (!IsHex(c) && c != ':') return false;
    }
    return true;
  }
  for (const std::string& label : Split(host, '.')) {
    if (!IsDomainComponent(label)) return false;
  }
  return true;
}

bool IsRegistry(std::string_view domain) {
  size_t colon = domain.rfind(':');
  // A ':' inside "[::1]" is part of the IPv6 address, not the port separator.
  if (colon != std::string_view::npos && domain.find(']', colon) == std::string_view::npos) {
    std::string_view port = domain.substr(colon + 1);
    if (port.empty()) return false;
    for (char c : port) {
      if (!IsDigit(c)) return false;
    }
    domain = domain.substr(0, colon);
  }
  return IsHost(domain);
}

// The Docker Hub rule (REFERENCE.md A.1): only a first component with '.' or ':', or
// "localhost", names a registry; "library/" is implied for one-component Hub names.
void SplitDomain(std::string_view name, std::string* registry, std::string* path) {
  size_t slash = name.find('/');
  std::string_view first = name.substr(0, slash);
  if (slash == std::string_view::npos ||
      (first.find_first_of(".:") == std::string_view::npos && first != "localhost")) {
    *registry = kDockerHub;
    *path = name;
  } else {
    *registry = first;
    *path = name.substr(slash + 1);
  }
  if (*registry == kDockerHubLegacy) *registry = kDockerHub;
  if (*registry == kDockerHub && !path->empty() && path->find('/') == std::string::npos) {
    *path = "library/" + *path;
  }
}

// The reason `path` is not a valid repository path, or "" when it is.
std::string CheckRepositoryPath(std::string_view path) {
  if (path.empty()) return "missing repository name";
  for (char c : path) {
    if (c >= 'A' && c <= 'Z') return "repository name must be lowercase";
  }
  for (const std::string& component : Split(path, '/')) {
    if (component.empty()) return "empty path component";
    if (!IsPathComponent(component)) {
      return "invalid path component " + Quote(component) +
             " (a-z and 0-9, joined by '.', '_', '__' or dashes)";
    }
  }
  return "";
}

// A bare 64-hex name would be mistaken for an image id (distribution refuses it too).
bool IsImageIdLike(std::string_view name) {
  if (name.size() != 64) return false;
  for (char c : name) {
    if (!IsDigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

}  // namespace

Result<Reference> Reference::Parse(std::string_view text) {
  auto fail = [&](std::string_view reason) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "parse reference " + Quote(text) + ": " + std::string(reason));
  };
  if (text.empty()) return fail("empty reference");
  Reference ref;
  std::string_view name = text;
  if (size_t at = name.rfind('@'); at != std::string_view::npos) {
    auto digest = Digest::Parse(name.substr(at + 1));
    // Keeps Digest::Parse's code: another algorithm is kUnsupported, not malformed.
    if (!digest) return std::move(digest).error().Context("parse reference " + Quote(text));
    ref.digest = *std::move(digest);
    name = name.substr(0, at);
  }
  size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && name.find('/', colon) == std::string_view::npos) {
    std::string_view tag = name.substr(colon + 1);
    if (!IsTag(tag)) {
      return fail("invalid tag " + Quote(tag) +
                  " (use up to 128 of A-Z, a-z, 0-9, '_', '.', '-', not starting with '.' or '-')");
    }
    ref.tag = tag;
    name = name.substr(0, colon);
  }
  if (name.empty()) return fail("missing repository name");
  if (IsImageIdLike(name)) return fail("a 64-character hex name is an image id, not a repository");
  std::string path;
  SplitDomain(name, &ref.registry, &path);
  if (!IsRegistry(ref.registry)) return fail("invalid registry host " + Quote(ref.registry));
  if (std::string reason = CheckRepositoryPath(path); !reason.empty()) return fail(reason);
  ref.repository = std::move(path);
  if (ref.Name().size() > kMaxNameLength) {
    return fail("name longer than " + std::to_string(kMaxNameLength) + " characters");
  }
  if (ref.tag.empty() && !ref.digest) ref.tag = "latest";
  return ref;
}

std::string Reference::String() const {
  std::string out = Name();
  if (!tag.empty()) out += ":" + tag;
  if (digest) out += "@" + digest->String();
  return out;
}

std::string Reference::ApiHost() const {
  return registry == kDockerHub ? std::string(kDockerHubApi) : registry;
}

}  // namespace berth::store

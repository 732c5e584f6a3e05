// Image references: `[host[:port]/]path[:tag][@sha256:hex]`, normalised as Docker does.
//
// The first component is a registry only if it contains '.' or ':' or is `localhost`;
// otherwise the registry is `docker.io`, a one-component path gets `library/`, and with
// neither tag nor digest the tag is `latest`. Value type.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "berth/base/result.hpp"
#include "berth/store/digest.hpp"

namespace berth::store {

struct Reference {
  std::string registry;    // "docker.io", "localhost:5000"
  std::string repository;  // "library/alpine"
  std::string tag;         // "latest"; empty when only a digest was given
  std::optional<Digest> digest;

  // kInvalidArgument with the reason (bad character, upper case, empty component, ...).
  static Result<Reference> Parse(std::string_view text);

  // "docker.io/library/alpine:latest" (and "@sha256:..." when a digest is set).
  std::string String() const;
  // "docker.io/library/alpine" — podman's REPOSITORY column.
  std::string Name() const { return registry + "/" + repository; }
  // Host to talk to: registry-1.docker.io for docker.io.
  std::string ApiHost() const;
  bool operator==(const Reference&) const = default;
};

}  // namespace berth::store

// How images are shown: the JSON of `berth inspect` and the rows of `berth images`, in the
// shapes podman prints.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "berth/store/store.hpp"

namespace berth::cli {

// podman image inspect's object for one image.
nlohmann::json ImageInspectJson(const store::Store& store, const store::ImageView& image);

// The podman image config ("Config") object: Env, Cmd, Entrypoint, ...
nlohmann::json ContainerConfigJson(const store::ContainerConfig& c);

// Splits "docker.io/library/alpine:latest" into repository and tag.
void SplitName(const std::string& name, std::string* repository, std::string* tag);

}  // namespace berth::cli

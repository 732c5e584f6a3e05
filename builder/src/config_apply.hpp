// What the metadata instructions do to an image config, as Docker's builder does it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "berth/base/result.hpp"
#include "berth/builder/plan_step.hpp"
#include "berth/store/oci.hpp"

namespace berth::builder {

// Applies `step` (CMD ENTRYPOINT ENV LABEL EXPOSE VOLUME WORKDIR USER STOPSIGNAL SHELL
// HEALTHCHECK ONBUILD MAINTAINER; ARG changes nothing) to `config`. Rules worth naming:
// ENV replaces a variable in place; ENTRYPOINT clears a CMD that came from the base image
// (not one set earlier in the same stage: `cmd_set_in_stage`); EXPOSE "80" means "80/tcp";
// exposed ports and volumes stay sorted and unique. kInvalidArgument (FILE:LINE) for a bad
// EXPOSE port.
Result<void> ApplyMetadataStep(const Step& step, std::string_view file, bool cmd_set_in_stage,
                               store::ImageConfig& config);

// Sets KEY=VALUE in `env` ("K=V" entries): in place when K is there, else appended.
void SetEnv(std::vector<std::string>& env, const std::string& key, const std::string& value);

// --label K=V on the final image.
void ApplyLabels(const std::map<std::string, std::string>& labels, store::ImageConfig& config);

}  // namespace berth::builder

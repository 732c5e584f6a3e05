// BerthBuildTest: the fixture of tests of `berth build` (tests/integration/builder): a
// BusyboxStoreTest (a store with the busybox stand-in as kBusybox). Header-only: it needs
// BERTH_BINARY, which only the integration tests define.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/berth_build_tool.hpp"
#include "support/busybox_store_test.hpp"

namespace berth::testing {

class BerthBuildTest : public BusyboxStoreTest {};

}  // namespace berth::testing

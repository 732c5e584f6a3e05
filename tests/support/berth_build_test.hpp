// BerthBuildTest: the fixture of tests of `berth build` (tests/integration/builder): a
// BusyboxStoreTest (a store with the busybox stand-in as kBusybox) behind the gate of
// BerthBuildMissing (berth_build_tool.hpp). While the verb is missing every test skips with
// that message, and the suite does not even build the store (a skipped test costs only the
// probe). Header-only: it needs BERTH_BINARY, which only the integration tests define.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "support/berth_build_tool.hpp"
#include "support/busybox_store_test.hpp"

namespace berth::testing {

class BerthBuildTest : public BusyboxStoreTest {
 protected:
  static const std::string& BuildMissing() {
    static const std::string missing = BerthBuildMissing(BERTH_BINARY);
    return missing;
  }
  static void SetUpTestSuite() {
    if (BuildMissing().empty()) BusyboxStoreTest::SetUpTestSuite();
  }
  void SetUp() override {
    if (!BuildMissing().empty()) GTEST_SKIP() << BuildMissing();
    BusyboxStoreTest::SetUp();
  }
};

}  // namespace berth::testing

// History and cache text of planned steps: the created_by formats and how build args change
// cache keys, with the examples of Docker's reference ("Impact on build caching", predefined
// proxy ARGs).
#include <gtest/gtest.h>

#include "plan_helpers.hpp"

namespace berth::builder {
namespace {

using testing::Args;
using testing::History;
using testing::MustPlan;
using testing::Options;

// The cache key of each step of the target stage.
std::vector<std::string> Keys(const std::string& text, const Args& args) {
  BuildPlan plan = MustPlan(text, Options(args));
  std::vector<std::string> keys;
  if (!plan.stages.empty()) {
    for (const Step& step : plan.stages.back().steps) keys.push_back(step.cache_key);
  }
  return keys;
}

// Which steps (1-based, as lines of a one-stage file after its FROM) get a different cache key
// when the build args change from `a` to `b`.
std::vector<int> Misses(const std::string& text, const Args& a, const Args& b) {
  std::vector<std::string> ka = Keys(text, a);
  std::vector<std::string> kb = Keys(text, b);
  EXPECT_EQ(ka.size(), kb.size());
  std::vector<int> out;
  for (size_t i = 0; i < ka.size() && i < kb.size(); ++i) {
    if (ka[i] != kb[i]) out.push_back(static_cast<int>(i) + 1);
  }
  return out;
}

TEST(StagePlanCacheTest, ArgValuesInvalidateWhereDockerSays) {
  Args v1 = {{"CONT_IMG_VER", "v1.0.0"}};
  Args v2 = {{"CONT_IMG_VER", "v2.0.0"}};
  struct Case {
    std::string text;
    std::vector<int> want;
  };
  std::vector<Case> cases = {
      // "a cache miss occurs upon first usage" (the RUN)
      {"FROM ubuntu\nARG CONT_IMG_VER\nRUN echo $CONT_IMG_VER\n", {2}},
      // the ENV uses the ARG, and the RUN sees it through the ENV
      {"FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=$CONT_IMG_VER\nRUN echo $CONT_IMG_VER\n",
       {2}},
      // "the value of CONT_IMG_VER is a constant (hello)": no miss
      {"FROM ubuntu\nARG CONT_IMG_VER\nENV CONT_IMG_VER=hello\nRUN echo $CONT_IMG_VER\n", {}},
      // metadata steps that do not use the ARG keep their keys; every RUN after it misses
      {"FROM ubuntu\nARG CONT_IMG_VER\nLABEL a=b\nRUN true\nUSER x\nRUN false\n", {3, 5}},
      // an undeclared ARG changes nothing
      {"FROM ubuntu\nRUN echo $CONT_IMG_VER\n", {}},
  };
  for (const Case& c : cases) EXPECT_EQ(Misses(c.text, v1, v2), c.want) << c.text;
}

TEST(StagePlanCacheTest, ProxyArgsChangeKeysOnlyWhenDeclared) {
  Args a = {{"HTTP_PROXY", "http://a:3128"}};
  Args b = {{"HTTP_PROXY", "http://b:3128"}};
  EXPECT_EQ(Misses("FROM ubuntu\nRUN echo \"Hello World\"\n", a, b), std::vector<int>{});
  EXPECT_EQ(Misses("FROM ubuntu\nRUN echo \"Hello World\"\n", a, {}), std::vector<int>{});
  EXPECT_EQ(Misses("FROM ubuntu\nARG HTTP_PROXY\nRUN echo \"Hello World\"\n", a, b),
            std::vector<int>{2});
}

TEST(StagePlanCacheTest, CreatedByFormats) {
  const char* text =
      "FROM a\nARG B=1 C\nENV A=$B\nRUN make\nRUN [\"make\", \"install\"]\n"
      "CMD [\"a\\tb\", \"q\\\"\"]\nENTRYPOINT run\nSHELL [\"/bin/bash\", \"-c\"]\nRUN x\n"
      "EXPOSE 80\nVOLUME /v\nWORKDIR /w\nUSER u\nSTOPSIGNAL 9\nLABEL l=1\nMAINTAINER me\n"
      "ONBUILD RUN y\nCOPY a b\nADD --chmod=600 c d\n";
  EXPECT_EQ(History(MustPlan(text, Options({{"C", "2"}}))),
            "/bin/sh -c #(nop) ARG B=1 C\n"
            "/bin/sh -c #(nop) ENV A=1\n"
            "|2 B=1 C=2 /bin/sh -c make\n"
            "|2 B=1 C=2 make install\n"
            "/bin/sh -c #(nop) CMD [\"a\\tb\" \"q\\\"\"]\n"
            "/bin/sh -c #(nop) ENTRYPOINT [\"/bin/sh\" \"-c\" \"run\"]\n"
            "/bin/sh -c #(nop) SHELL [/bin/bash -c]\n"
            "|2 B=1 C=2 /bin/bash -c x\n"
            "/bin/sh -c #(nop) EXPOSE 80\n"
            "/bin/sh -c #(nop) VOLUME [/v]\n"
            "/bin/sh -c #(nop) WORKDIR /w\n"
            "/bin/sh -c #(nop) USER u\n"
            "/bin/sh -c #(nop) STOPSIGNAL 9\n"
            "/bin/sh -c #(nop) LABEL l=1\n"
            "/bin/sh -c #(nop) MAINTAINER me\n"
            "/bin/sh -c #(nop) ONBUILD RUN y\n"
            "/bin/sh -c #(nop) COPY a b\n"
            "/bin/sh -c #(nop) ADD --chmod=600 c d");
}

TEST(StagePlanCacheTest, RunArgsAreSortedAndShadowedOnesLeftOut) {
  BuildPlan plan =
      MustPlan("FROM a\nARG Z=26 A=1 M=13\nENV M=env\nRUN true\n", Options({{"HTTPS_PROXY", "p"}}));
  const Step& run = plan.stages[0].steps.back();
  EXPECT_EQ(run.created_by, "|2 A=1 Z=26 /bin/sh -c true");
  EXPECT_EQ(run.arg_env, (std::vector<std::string>{"A=1", "HTTPS_PROXY=p", "Z=26"}));
}

TEST(StagePlanCacheTest, ArgHistoryShowsTheDefinitionNotTheGivenValue) {
  BuildPlan plan = MustPlan("FROM a\nENV E=e\nARG V=$E-default W\nRUN true\n",
                            Options({{"V", "secret"}, {"W", "w"}}));
  EXPECT_EQ(plan.stages[0].steps[1].created_by, "/bin/sh -c #(nop) ARG V=e-default W");
  EXPECT_EQ(plan.stages[0].steps[1].pairs,
            (std::vector<KeyValue>{{"V", "secret", true}, {"W", "w", true}}));
  EXPECT_EQ(plan.stages[0].steps[2].created_by, "|2 V=secret W=w /bin/sh -c true");
}

}  // namespace
}  // namespace berth::builder

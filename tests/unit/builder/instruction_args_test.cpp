// The argument shapes of each instruction, its flags, and exec-form (JSON) detection.
#include <gtest/gtest.h>

#include "berth/builder/containerfile.hpp"
#include "parse_helpers.hpp"

namespace berth::builder {
namespace {

using testing::One;
using testing::ParseError;
using V = std::vector<std::string>;

TEST(InstructionArgsTest, ExecFormIsAJsonArrayOfStrings) {
  Instruction run = One("RUN [\"/bin/echo\", \"a b\", \"$HOME\"]");
  EXPECT_TRUE(run.command.exec_form);
  EXPECT_EQ(run.command.exec, (V{"/bin/echo", "a b", "$HOME"}));
  EXPECT_EQ(run.command.shell, "");
  EXPECT_EQ(One("CMD\t[ \"a\" ,\t\"b\" ]  ").command.exec, (V{"a", "b"}));
  EXPECT_EQ(One(R"(CMD ["\" \\ \/ \n \t \u00e9 \ud83d\ude00"])").command.exec,
            (V{"\" \\ / \n \t \xC3\xA9 \xF0\x9F\x98\x80"}));
  // As Docker's JSON decoder: text after the array is ignored.
  EXPECT_EQ(One("SHELL [\"/bin/sh\", \"-c\"] ]").command.exec, (V{"/bin/sh", "-c"}));
  EXPECT_EQ(One("RUN [\"ls\"],").command.exec, (V{"ls"}));
}

TEST(InstructionArgsTest, AnythingElseIsTheShellForm) {
  for (const char* text :
       {"['a']", "[a]", "[\"a\" \"b\"]", "[\"unclosed\"", "echo [\"a\"]", "[\"a\",]"}) {
    Instruction cmd = One(std::string("CMD ") + text);
    EXPECT_FALSE(cmd.command.exec_form) << text;
    EXPECT_EQ(cmd.command.shell, text);
  }
}

TEST(InstructionArgsTest, AJsonArrayOfOtherThingsIsAnError) {
  for (const char* text : {"CMD [1, 2]", "ENTRYPOINT [\"a\", null]", "RUN [[\"a\"]]",
                           "VOLUME [true]", "SHELL [{}]", "COPY [\"a\", 4.5]"}) {
    EXPECT_EQ(ParseError(text), std::string("Containerfile:1: when using JSON array syntax, arrays "
                                            "must be comprised of strings only: ") +
                                    text);
  }
}

TEST(InstructionArgsTest, CommandArguments) {
  EXPECT_EQ(ParseError("RUN"), "Containerfile:1: RUN requires at least one argument: RUN");
  EXPECT_EQ(ParseError("RUN []"), "Containerfile:1: RUN requires at least one argument: RUN []");
  Instruction empty_cmd = One("CMD []");
  EXPECT_TRUE(empty_cmd.command.exec_form);
  EXPECT_TRUE(empty_cmd.command.exec.empty());
  EXPECT_FALSE(One("ENTRYPOINT").command.exec_form);
  EXPECT_EQ(One("ENTRYPOINT exec /app \"$@\"").command.shell, "exec /app \"$@\"");
  EXPECT_EQ(ParseError("SHELL /bin/bash -c"),
            "Containerfile:1: SHELL requires the arguments to be in JSON form: SHELL /bin/bash -c");
  EXPECT_EQ(ParseError("SHELL []"),
            "Containerfile:1: SHELL requires at least one argument: SHELL []");
  EXPECT_EQ(One("SHELL [\"pwsh\", \"-Command\"]").command.exec, (V{"pwsh", "-Command"}));
}

TEST(InstructionArgsTest, FlagsComeFromTheFrontOfTheArguments) {
  Instruction copy = One("COPY --from=build --chown=\"app user\":1 --chmod=755 --link a --b c/");
  ASSERT_EQ(copy.flags.size(), 4u);
  EXPECT_EQ(copy.flags[0], (Flag{"from", "build", true}));
  EXPECT_EQ(copy.flags[1], (Flag{"chown", "app user:1", true}));
  EXPECT_EQ(copy.flags[2], (Flag{"chmod", "755", true}));
  EXPECT_EQ(copy.flags[3], (Flag{"link", "", false}));
  EXPECT_EQ(copy.args, "a --b c/");
  EXPECT_EQ(copy.words, (V{"a", "--b", "c/"}));
  // "--" ends the flags.
  Instruction dashed = One("COPY --link -- --weird /d/");
  EXPECT_EQ(dashed.flags.size(), 1u);
  EXPECT_EQ(dashed.words, (V{"--weird", "/d/"}));
  Instruction run =
      One("RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=t "
          "--network=none --security=insecure make");
  EXPECT_EQ(run.flags.size(), 4u);
  EXPECT_EQ(run.command.shell, "make");
  EXPECT_EQ(One("ADD --keep-git-dir=true --unpack=FALSE --checksum=sha256:ab x /y").flags.size(),
            3u);
}

TEST(InstructionArgsTest, FlagErrors) {
  EXPECT_EQ(ParseError("COPY --form=x a b"),
            "Containerfile:1: unknown flag: --form: COPY --form=x a b");
  EXPECT_EQ(ParseError("ENV --x=1 A=b"), "Containerfile:1: unknown flag: --x: ENV --x=1 A=b");
  EXPECT_EQ(ParseError("COPY --from=a --from=b x y"),
            "Containerfile:1: duplicate flag specified: --from: COPY --from=a --from=b x y");
  EXPECT_EQ(ParseError("COPY --from a b"),
            "Containerfile:1: missing a value on flag: --from: COPY --from a b");
  EXPECT_EQ(ParseError("COPY --link= a b"),
            "Containerfile:1: missing a value on flag: --link: COPY --link= a b");
  EXPECT_EQ(ParseError("COPY --link=maybe a b"),
            "Containerfile:1: expecting boolean value for flag --link, not: maybe: COPY "
            "--link=maybe a b");
  EXPECT_EQ(ParseError("ADD --from=x a b"),
            "Containerfile:1: unknown flag: --from: ADD --from=x a b");
  EXPECT_EQ(ParseError("FROM --platform linux/arm64 x"),
            "Containerfile:1: missing a value on flag: --platform: FROM --platform linux/arm64 x");
}

TEST(InstructionArgsTest, CopyAndAdd) {
  Instruction copy = One("COPY \"a b\" c /dest/");  // quotes do not group in the shell form
  EXPECT_FALSE(copy.json_words);
  EXPECT_EQ(copy.words, (V{"\"a", "b\"", "c", "/dest/"}));
  Instruction json = One("ADD [\"a b\", \"/dest dir/\"]");
  EXPECT_TRUE(json.json_words);
  EXPECT_EQ(json.words, (V{"a b", "/dest dir/"}));
  EXPECT_EQ(One("ADD https://example.com/x.tar.gz /opt/").words,
            (V{"https://example.com/x.tar.gz", "/opt/"}));
  EXPECT_EQ(ParseError("COPY one"),
            "Containerfile:1: COPY requires at least two arguments, but only one was provided. "
            "Destination could not be determined: COPY one");
  EXPECT_EQ(ParseError("ADD [\"one\"]"),
            "Containerfile:1: ADD requires at least two arguments, but only one was provided. "
            "Destination could not be determined: ADD [\"one\"]");
  EXPECT_EQ(ParseError("COPY a <<EOF\nx\nEOF\n"),
            "Containerfile:1: COPY cannot accept a heredoc as a destination: COPY a <<EOF");
}

TEST(InstructionArgsTest, VolumeAndExpose) {
  EXPECT_EQ(One("VOLUME /data /logs").words, (V{"/data", "/logs"}));
  EXPECT_EQ(One("VOLUME [\"/data\", \" /spaced \"]").words, (V{"/data", "/spaced"}));
  EXPECT_EQ(ParseError("VOLUME [\"/a\", \" \"]"),
            "Containerfile:1: VOLUME specified can not be an empty string: VOLUME [\"/a\", \" \"]");
  EXPECT_EQ(ParseError("VOLUME"), "Containerfile:1: VOLUME requires at least one argument: VOLUME");
  Instruction expose = One("EXPOSE 80/tcp 53/udp ${PORT}");
  EXPECT_EQ(expose.words, (V{"80/tcp", "53/udp", "${PORT}"}));
  EXPECT_FALSE(expose.json_words);
  EXPECT_EQ(One("EXPOSE [\"80\"]").words, (V{"[\"80\"]"}));  // EXPOSE has no JSON form
  EXPECT_EQ(ParseError("EXPOSE"), "Containerfile:1: EXPOSE requires at least one argument: EXPOSE");
}

TEST(InstructionArgsTest, EnvAndLabelPairs) {
  Instruction env = One("ENV A=1 B=\"two words\" C='$x' D=a\\ b E= F=\"\"");
  EXPECT_EQ(env.pairs, (std::vector<KeyValue>{{"A", "1", true},
                                              {"B", "\"two words\"", true},
                                              {"C", "'$x'", true},
                                              {"D", "a\\ b", true},
                                              {"E", "", true},
                                              {"F", "\"\"", true}}));
  // The legacy form: a name, then the rest of the line is the value.
  EXPECT_EQ(One("ENV PATH /usr/local/bin:$PATH  and more").pairs,
            (std::vector<KeyValue>{{"PATH", "/usr/local/bin:$PATH  and more", true}}));
  Instruction label = One("LABEL org.opencontainers.image.title=\"My app\" \"quoted.key\"=v");
  EXPECT_EQ(label.pairs,
            (std::vector<KeyValue>{{"org.opencontainers.image.title", "\"My app\"", true},
                                   {"\"quoted.key\"", "v", true}}));
  EXPECT_EQ(ParseError("ENV"), "Containerfile:1: ENV requires at least one argument: ENV");
  EXPECT_EQ(ParseError("ENV ONLY"), "Containerfile:1: ENV must have two arguments: ENV ONLY");
  EXPECT_EQ(
      ParseError("LABEL a=b c"),
      "Containerfile:1: syntax error - can't find = in \"c\". Must be of the form: name=value: "
      "LABEL a=b c");
  EXPECT_EQ(ParseError("ENV =x"), "Containerfile:1: ENV names can not be blank: ENV =x");
}

TEST(InstructionArgsTest, ArgDeclarations) {
  Instruction arg = One("ARG VERSION=1.2 TARGETARCH NAME=\"a b\" EMPTY=");
  EXPECT_EQ(arg.pairs, (std::vector<KeyValue>{{"VERSION", "1.2", true},
                                              {"TARGETARCH", "", false},
                                              {"NAME", "\"a b\"", true},
                                              {"EMPTY", "", true}}));
  EXPECT_EQ(ParseError("ARG"), "Containerfile:1: ARG requires at least one argument: ARG");
  EXPECT_EQ(ParseError("ARG =1"), "Containerfile:1: ARG names can not be blank: ARG =1");
}

TEST(InstructionArgsTest, FromImageAndStageName) {
  Instruction from = One("FROM --platform=$BUILDPLATFORM golang:1.22-alpine As Build-1.x_y");
  EXPECT_EQ(from.value, "golang:1.22-alpine");
  EXPECT_EQ(from.stage_name, "build-1.x_y");
  EXPECT_EQ(FindFlag(from, "platform")->value, "$BUILDPLATFORM");
  Instruction scratch = One("FROM scratch");
  EXPECT_EQ(scratch.value, "scratch");
  EXPECT_EQ(scratch.stage_name, "");
  EXPECT_EQ(ParseError("FROM a b"),
            "Containerfile:1: FROM requires either one or three arguments: FROM a b");
  EXPECT_EQ(ParseError("FROM"),
            "Containerfile:1: FROM requires either one or three arguments: FROM");
  EXPECT_EQ(
      ParseError("FROM a AS 1st"),
      "Containerfile:1: invalid name for build stage: \"1st\", name can't start with a number "
      "or contain symbols: FROM a AS 1st");
  EXPECT_EQ(
      ParseError("FROM a AS b$c"),
      "Containerfile:1: invalid name for build stage: \"b$c\", name can't start with a number "
      "or contain symbols: FROM a AS b$c");
}

TEST(InstructionArgsTest, SingleArgumentInstructions) {
  EXPECT_EQ(One("USER app:app").value, "app:app");
  EXPECT_EQ(One("WORKDIR /srv/my app").value, "/srv/my app");
  EXPECT_EQ(One("STOPSIGNAL SIGTERM").value, "SIGTERM");
  EXPECT_EQ(One("MAINTAINER Jane <jane@example.com>").value, "Jane <jane@example.com>");
  for (const char* k : {"USER", "WORKDIR", "STOPSIGNAL", "MAINTAINER"}) {
    EXPECT_EQ(ParseError(k),
              std::string("Containerfile:1: ") + k + " requires exactly one argument: " + k);
  }
}

TEST(InstructionArgsTest, Healthcheck) {
  EXPECT_TRUE(One("HEALTHCHECK NONE").healthcheck.none);
  Instruction shell =
      One("HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=0 "
          "--start-interval=1.5s --retries=4 cmd curl -f http://localhost/");
  const Healthcheck& h = shell.healthcheck;
  EXPECT_FALSE(h.none);
  EXPECT_EQ(h.test.shell, "curl -f http://localhost/");
  EXPECT_EQ(h.interval, std::chrono::seconds(90));
  EXPECT_EQ(h.timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(h.start_period, std::chrono::nanoseconds(0));
  EXPECT_EQ(h.start_interval, std::chrono::milliseconds(1500));
  EXPECT_EQ(h.retries, 4);
  Instruction exec = One("HEALTHCHECK CMD [\"/bin/check\", \"--deep\"]");
  EXPECT_EQ(exec.healthcheck.test.exec, (V{"/bin/check", "--deep"}));
  EXPECT_FALSE(exec.healthcheck.interval.has_value());
}

TEST(InstructionArgsTest, HealthcheckErrors) {
  auto error = [](const std::string& text) { return ParseError(text); };
  EXPECT_EQ(error("HEALTHCHECK NONE x"),
            "Containerfile:1: HEALTHCHECK NONE takes no arguments: HEALTHCHECK NONE x");
  EXPECT_EQ(error("HEALTHCHECK RUN x"),
            "Containerfile:1: unknown type \"RUN\" in HEALTHCHECK (try CMD): HEALTHCHECK RUN x");
  EXPECT_EQ(error("HEALTHCHECK CMD"),
            "Containerfile:1: missing command after HEALTHCHECK CMD: HEALTHCHECK CMD");
  EXPECT_EQ(error("HEALTHCHECK CMD []"),
            "Containerfile:1: missing command after HEALTHCHECK CMD: HEALTHCHECK CMD []");
  EXPECT_EQ(error("HEALTHCHECK"),
            "Containerfile:1: HEALTHCHECK requires at least one argument: HEALTHCHECK");
  EXPECT_EQ(
      error("HEALTHCHECK --interval=5 CMD x"),
      "Containerfile:1: invalid duration for --interval: \"5\": HEALTHCHECK --interval=5 CMD x");
  EXPECT_EQ(error("HEALTHCHECK --timeout=10us CMD x"),
            "Containerfile:1: --timeout cannot be less than 1ms: HEALTHCHECK --timeout=10us CMD x");
  EXPECT_EQ(error("HEALTHCHECK --retries=0 CMD x"),
            "Containerfile:1: --retries must be at least 1 (not 0): HEALTHCHECK --retries=0 CMD x");
  EXPECT_EQ(
      error("HEALTHCHECK --retries=two CMD x"),
      "Containerfile:1: invalid value for --retries: \"two\": HEALTHCHECK --retries=two CMD x");
  EXPECT_EQ(error("HEALTHCHECK --period=1s CMD x"),
            "Containerfile:1: unknown flag: --period: HEALTHCHECK --period=1s CMD x");
}

TEST(InstructionArgsTest, OnbuildParsesItsTrigger) {
  Instruction onbuild = One("ONBUILD copy --chown=app . /app/src");
  ASSERT_NE(onbuild.trigger, nullptr);
  EXPECT_EQ(onbuild.trigger->keyword, "COPY");
  EXPECT_EQ(onbuild.trigger->original, "copy --chown=app . /app/src");
  EXPECT_EQ(onbuild.trigger->words, (V{".", "/app/src"}));
  EXPECT_EQ(FindFlag(*onbuild.trigger, "chown")->value, "app");
  EXPECT_EQ(onbuild.args, "copy --chown=app . /app/src");
  EXPECT_EQ(ParseError("ONBUILD"),
            "Containerfile:1: ONBUILD requires at least one argument: ONBUILD");
  EXPECT_EQ(ParseError("ONBUILD onbuild RUN x"),
            "Containerfile:1: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed: ONBUILD "
            "onbuild RUN x");
  EXPECT_EQ(ParseError("ONBUILD FROM x"),
            "Containerfile:1: FROM isn't allowed as an ONBUILD trigger: ONBUILD FROM x");
  EXPECT_EQ(
      ParseError("ONBUILD MAINTAINER x"),
      "Containerfile:1: MAINTAINER isn't allowed as an ONBUILD trigger: ONBUILD MAINTAINER x");
  EXPECT_EQ(ParseError("ONBUILD FORM x"), "Containerfile:1: unknown instruction: ONBUILD FORM x");
  EXPECT_EQ(ParseError("ONBUILD COPY x"),
            "Containerfile:1: COPY requires at least two arguments, but only one was provided. "
            "Destination could not be determined: ONBUILD COPY x");
}

}  // namespace
}  // namespace berth::builder

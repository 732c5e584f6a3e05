// The command instructions: RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK. None is expanded by the
// builder; the shell form is wrapped in the stage's SHELL (BuildKit's withShell), and RUN's
// heredocs become the shell's script as BuildKit's dispatchRun does.
#include <string_view>

#include "berth/base/strings.hpp"
#include "stage_graph.hpp"
#include "step_planner.hpp"

namespace berth::builder {

namespace {

// True when the whole shell text is one heredoc marker ("<<EOF", "<<-EOF", "3<<'EOF'"), so
// the heredoc's body is the command (BuildKit's MustParseHeredoc on the command line).
bool IsLoneHeredoc(std::string_view text) {
  text = Trim(text);
  while (!text.empty() && text.front() >= '0' && text.front() <= '9') text.remove_prefix(1);
  if (text.substr(0, 2) != "<<") return false;
  text.remove_prefix(2);
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  text = Trim(text);
  if (text.empty()) return false;
  for (char c : text) {
    if (c == '<' || c == ' ' || c == '\t') return false;
  }
  return true;
}

std::vector<std::string> WithShell(const StageScope& scope, std::string text) {
  std::vector<std::string> argv = scope.shell();
  argv.push_back(std::move(text));
  return argv;
}

// RUN's argv from its command and heredocs.
void RunArgv(Step& step, const StageScope& scope) {
  const Instruction& in = step.instruction;
  const Command& command = in.command;
  if (command.exec_form) {
    step.argv = command.exec;
    return;
  }
  if (in.heredocs.empty()) {
    step.argv = WithShell(scope, command.shell);
    return;
  }
  if (in.heredocs.size() == 1 && IsLoneHeredoc(command.shell)) {
    const std::string& body = in.heredocs[0].content;
    if (body.substr(0, 2) == "#!") {
      step.run_script = body;
    } else {
      step.argv = WithShell(scope, body);
    }
    return;
  }
  // Several heredocs, or one inside a longer command: the shell reads them itself.
  std::string script = command.shell;
  for (const Heredoc& heredoc : in.heredocs) script += "\n" + heredoc.content + heredoc.name;
  step.argv = WithShell(scope, std::move(script));
}

// RUN --mount: each field's value is expanded with the stage's scope, except from=, which
// names a stage and is expanded with the global scope like COPY --from; mount_from records
// what each from= names.
Result<Flag> PlanMount(Step& step, const Flag& flag, StageScope& scope, StepContext& ctx) {
  const Instruction& in = step.instruction;
  std::vector<std::string> fields;
  for (const std::string& field : Split(flag.value, ',')) {
    size_t eq = field.find('=');
    if (eq == std::string::npos) {
      fields.push_back(field);
      continue;
    }
    std::string key(Trim(std::string_view(field).substr(0, eq)));
    std::string_view text = std::string_view(field).substr(eq + 1);
    if (key == "from") {
      BERTH_ASSIGN_OR_RETURN(std::string name,
                             ExpandSourceName(in, text, "mount", ctx.expander, ctx.globals));
      BERTH_ASSIGN_OR_RETURN(SourceRef source, ResolveSourceName(ctx.graph, ctx.stage, in, name,
                                                                 "mount", ctx.expander));
      step.mount_from[name] = source;
      fields.push_back(key + "=" + name);
    } else {
      BERTH_ASSIGN_OR_RETURN(std::string value, ctx.expander.Word(in, text, scope.lookup()));
      fields.push_back(key + "=" + value);
    }
  }
  return Flag{flag.name, Join(fields, ","), true};
}

}  // namespace

Result<void> PlanRun(Step& step, StageScope& scope, StepContext& ctx) {
  for (Flag& flag : step.flags) {
    if (flag.name == "mount") {
      BERTH_ASSIGN_OR_RETURN(flag, PlanMount(step, flag, scope, ctx));
    }
  }
  RunArgv(step, scope);
  step.arg_env = scope.ArgEnv();
  return Ok();
}

Result<void> PlanCommand(Step& step, StageScope& scope) {
  const Command& command = step.instruction.command;
  step.argv = command.exec_form ? command.exec : WithShell(scope, command.shell);
  return Ok();
}

Result<void> PlanShell(Step& step, StageScope& scope) {
  step.argv = step.instruction.command.exec;
  scope.set_shell(step.argv);
  return Ok();
}

Result<void> PlanHealthcheck(Step& step) {
  const Healthcheck& check = step.instruction.healthcheck;
  if (check.none) {
    step.argv = {"NONE"};
  } else if (check.test.exec_form) {
    step.argv = {"CMD"};
    step.argv.insert(step.argv.end(), check.test.exec.begin(), check.test.exec.end());
  } else {
    step.argv = {"CMD-SHELL", check.test.shell};
  }
  return Ok();
}

}  // namespace berth::builder

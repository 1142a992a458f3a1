package dev.flash.samples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flash.core.spi.ProviderConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class FlashCliTest {

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FlashCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  /** The CLI with these provider settings instead of the environment's. */
  static Result run(ProviderConfig config, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = FlashCli.run(config, new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void helpListsTheCommandName() {
    Result r = run("--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("Usage: flash"), r.out());
  }

  @Test
  void versionNamesTheProjectVersion() {
    Result r = run("--version");
    assertEquals(0, r.code());
    assertTrue(r.out().startsWith("flash 0."), r.out());
  }

  @Test
  void unknownFlagIsAUsageErrorNamingTheFlag() {
    Result r = run("--frobnicate");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--frobnicate"), r.err());
  }

  @Test
  void everyCommandThatPrintsSomethingHasJson() {
    List<String> missing = new ArrayList<>();
    leaves(FlashCli.commandLine(), missing);
    assertEquals(List.of(), missing, "commands without --json");
  }

  private static void leaves(CommandLine cmd, List<String> missing) {
    if (cmd.getSubcommands().isEmpty()) {
      String name = cmd.getCommandSpec().qualifiedName();
      boolean exempt = name.equals("flash help") || name.equals("flash completion");
      if (!exempt && cmd.getCommandSpec().findOption("--json") == null) {
        missing.add(name);
      }
      return;
    }
    // a parent prints usage; its aliases (help) appear once per name
    new java.util.LinkedHashSet<>(cmd.getSubcommands().values()).forEach(c -> leaves(c, missing));
  }

  @Test
  void aMistypedSubcommandOrOptionGetsASuggestionAndExit2() {
    Result sub = run("ledgr");
    assertEquals(2, sub.code());
    assertTrue(sub.err().contains("Unmatched argument") && sub.err().contains("ledger"), sub.err());
    Result opt = run("status", "--jsn");
    assertEquals(2, opt.code());
    assertTrue(opt.err().contains("--jsn") && opt.err().contains("--json"), opt.err());
    Result value = run("cadence", "--mtbf", "soon", "--cost", "30s");
    assertEquals(2, value.code());
    assertTrue(value.err().contains("--mtbf") && value.err().contains("flash cadence --help"), value.err());
  }

  @Test
  void completionPrintsABashScriptForEveryCommand() {
    Result r = run("completion");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("#!/usr/bin/env bash"), r.out().lines().findFirst().orElse(""));
    assertTrue(r.out().contains("complete -F _complete_flash"), "binds the completion to 'flash'");
    for (String command : List.of("launch", "ledger", "status", "scheduler", "work", "completion")) {
      assertTrue(r.out().contains(command), command);
    }
    assertTrue(r.out().contains("--state-dir") && r.out().contains("--json"), "options complete too");
  }
}

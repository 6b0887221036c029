package dev.forwardpass.cli;

import dev.forwardpass.api.Backends;
import dev.forwardpass.models.format.ModelFormatException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code forwardpass} tool: subcommands for generating, inspecting and tokenizing with a model. */
@Command(name = "forwardpass", mixinStandardHelpOptions = true, version = "forwardpass 0.1.0",
        description = "Run Transformer language models on the JVM.",
        subcommands = CommandLine.HelpCommand.class)
public final class Main implements Runnable {
    /** sysexits.h EX_DATAERR: a malformed model or tokenizer file. */
    static final int EXIT_BAD_FILE = 65;
    /** sysexits.h EX_NOINPUT: a file that does not exist. */
    static final int EXIT_NO_INPUT = 66;
    /** sysexits.h EX_OSERR: a system resource (memory) ran out. */
    static final int EXIT_OUT_OF_MEMORY = 71;
    /** sysexits.h EX_IOERR: another input/output failure. */
    static final int EXIT_IO_ERROR = 74;
    /** sysexits.h EX_NOPERM: a file the user may not read or write. */
    static final int EXIT_NO_PERMISSION = 77;

    /** The subcommands by name (as each one's {@code @Command} says), in the order the help lists them. */
    static final SequencedMap<String, Function<Terminal, Object>> SUBCOMMANDS = subcommands();

    private static SequencedMap<String, Function<Terminal, Object>> subcommands() {
        SequencedMap<String, Function<Terminal, Object>> byName = new LinkedHashMap<>();
        byName.put("generate", GenerateCommand::new);
        byName.put("chat", ChatCommand::new);
        byName.put("logits", LogitsCommand::new);
        byName.put("tokenize", TokenizeCommand::new);
        byName.put("info", InfoCommand::new);
        byName.put("compare", CompareCommand::new);
        byName.put("perplexity", PerplexityCommand::new);
        byName.put("init", InitCommand::new);
        byName.put("quantize", QuantizeCommand::new);
        byName.put("bench", BenchCommand::new);
        byName.put("serve", ServeCommand::new);
        byName.put("bench-serve", BenchServeCommand::new);
        return Collections.unmodifiableSequencedMap(byName);
    }

    private final CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.create();

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a subcommand is needed");
    }

    public static void main(String[] args) {
        // stderr in UTF-8 whatever the locale: System.err would turn every non-ASCII character into '?' under LANG=C
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        System.exit(execute(args, System.in, new FileOutputStream(FileDescriptor.out), err));
    }

    /** Runs the tool with these streams and {@return its exit code}. */
    public static int execute(String[] args, InputStream in, OutputStream out, PrintStream err) {
        for (int i = 0; i < args.length; i++) {
            if (!isValidText(args[i])) {
                err.println("forwardpass: argument " + (i + 1) + " is not valid UTF-8 text (its bytes are not UTF-8, "
                        + "or it holds U+FFFD): '" + args[i] + "'");
                err.flush();
                return CommandLine.ExitCode.USAGE;
            }
        }
        System.setProperty("forwardpass.backends", String.join(", ", Backends.providers().keySet()));
        System.setProperty("forwardpass.processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        Terminal terminal = new Terminal(in, out, err);
        CommandLine cli = new CommandLine(new Main());
        // picocli builds a command's model by reflection, which costs a start-up: only the one named is built
        Function<Terminal, Object> named = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
        for (Function<Terminal, Object> subcommand : named != null ? List.of(named) : SUBCOMMANDS.values()) {
            cli.addSubcommand(subcommand.apply(terminal));
        }
        cli.setOut(new PrintWriter(new OutputStreamWriter(terminal.text(), StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        cli.setParameterExceptionHandler((exception, arguments) -> usageError(exception, err));
        cli.setExecutionExceptionHandler((exception, commandLine, parseResult) -> {
            boolean verbose = parseResult.originalArgs().contains("--verbose");
            return report(exception, verbose, err);
        });
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            return report(e, Arrays.asList(args).contains("--verbose"), err);
        }
    }

    /**
     * {@return whether an argument is text as the user typed it} The JVM decodes arguments in the locale's charset (the
     * launcher makes it UTF-8) and turns bytes that do not decode into U+FFFD, which would then be encoded as a prompt
     * without a word: such an argument, or one with half a surrogate pair, is refused instead.
     */
    static boolean isValidText(String argument) {
        for (int i = 0; i < argument.length(); i++) {
            char c = argument.charAt(i);
            if (c == '\uFFFD') {
                return false;
            }
            if (Character.isHighSurrogate(c) && i + 1 < argument.length()
                    && Character.isLowSurrogate(argument.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** Prints one line for a command line that does not parse, with where to look, and {@return the usage code} */
    private static int usageError(CommandLine.ParameterException e, PrintStream err) {
        String suggestions = e instanceof CommandLine.UnmatchedArgumentException unmatched
                && !unmatched.getSuggestions().isEmpty()
                ? "; did you mean " + String.join(" or ", unmatched.getSuggestions()) + "?" : "";
        err.println("forwardpass: " + e.getMessage() + suggestions + " (see '"
                + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    /** Prints one line for {@code e} (and its stack trace if verbose) and {@return the exit code for it}. */
    static int report(Throwable e, boolean verbose, PrintStream err) {
        Throwable cause = e instanceof UncheckedIOException unchecked ? unchecked.getCause() : e;
        if (brokenPipe(cause)) {
            return 0; // the reader of stdout has gone (generate | head): end quietly, as other Unix tools do
        }
        int code;
        String message;
        if (outOfMemory(cause)) {
            code = EXIT_OUT_OF_MEMORY;
            message = "out of memory: use a smaller model or --max-context, or give Java more heap "
                    + "(FORWARDPASS_JAVA_OPTS=-Xmx8g)";
        } else if (cause instanceof ModelFormatException format) {
            code = EXIT_BAD_FILE;
            message = format.getMessage();
        } else if (cause instanceof NoSuchFileException missing) {
            code = EXIT_NO_INPUT;
            message = missing.getFile() + ": " + (missing.getReason() != null ? missing.getReason() : "file not found");
        } else if (cause instanceof AccessDeniedException denied) {
            code = EXIT_NO_PERMISSION;
            message = denied.getFile() + ": permission denied";
        } else if (cause instanceof IOException io) {
            code = EXIT_IO_ERROR;
            message = io.getMessage() != null ? io.getMessage() : io.toString();
        } else if (cause instanceof IllegalArgumentException bad) {
            code = CommandLine.ExitCode.USAGE;
            message = bad.getMessage();
        } else {
            code = CommandLine.ExitCode.SOFTWARE;
            message = cause.toString();
        }
        err.println("forwardpass: " + message);
        if (verbose) {
            cause.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** {@return whether {@code e} is a write to a pipe whose reader has closed it (EPIPE)} */
    private static boolean brokenPipe(Throwable e) {
        return e instanceof IOException io && io.getMessage() != null && io.getMessage().startsWith("Broken pipe");
    }

    /** {@return whether {@code e} or one of its causes is an OutOfMemoryError (a pool thread's comes wrapped)} */
    private static boolean outOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
        }
        return false;
    }
}

package dev.forwardpass.models.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.JinjavaProcessors;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.tree.Node;
import dev.forwardpass.models.tokenizer.EncodeOptions;
import dev.forwardpass.models.tokenizer.Tokenizer;
import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * A chat template (the Jinja text in a model's {@code tokenizer_config.json} or GGUF {@code tokenizer.chat_template}),
 * compiled once and rendered as Hugging Face's {@code apply_chat_template} renders it: Jinja with
 * {@code trim_blocks} and {@code lstrip_blocks}, a single trailing newline of the template dropped, and the variables
 * {@code messages} (maps of {@code role} and {@code content}), {@code add_generation_prompt}, {@code tools} (none),
 * {@code bos_token} and {@code eos_token} (when the tokenizer has them), and the functions {@code raise_exception} and
 * {@code strftime_now}. Jinjava runs it, with Python's string methods, stepped slices and Hugging Face's
 * {@code tojson} added ({@link PythonMethods}, {@link PythonSyntax}, {@link PythonJsonFilter}).
 *
 * <p>A template cannot read files ({@code include}, {@code import} and {@code extends} fail) and cannot run away: its
 * output is limited to {@link #MAX_OUTPUT_CHARS} characters and a render to {@link #MAX_STEPS} steps. Every
 * failure, the template's own {@code raise_exception} included, is a {@link ChatTemplateException}. Instances are
 * immutable and may render from several threads.
 */
public final class ChatTemplate {
    /** The most characters a render may write: about a million tokens, more than any context window holds. */
    public static final long MAX_OUTPUT_CHARS = 4L << 20;
    /** The most steps (template nodes visited, turns of {@code range} loops) a render may take: thousands of turns. */
    public static final long MAX_STEPS = 200_000;

    private final Jinjava jinjava;
    private final Node root;
    private final Map<String, Object> specialTokens;

    private ChatTemplate(Jinjava jinjava, Node root, Map<String, Object> specialTokens) {
        this.jinjava = jinjava;
        this.root = root;
        this.specialTokens = specialTokens;
    }

    /**
     * {@return {@code template} compiled}, with the system clock for {@code strftime_now}
     *
     * @param bosToken the text of the tokenizer's beginning-of-sequence token ({@code bos_token}), or null if it has
     *     none
     * @param eosToken the text of its end-of-sequence token ({@code eos_token}), or null if it has none
     * @throws ChatTemplateException if the template's syntax is wrong
     */
    public static ChatTemplate of(String template, String bosToken, String eosToken) {
        return of(template, bosToken, eosToken, Clock.systemDefaultZone());
    }

    /**
     * {@return {@code template} compiled, telling {@code strftime_now} the time and zone of {@code clock}}
     *
     * @throws ChatTemplateException if the template's syntax is wrong
     */
    public static ChatTemplate of(String template, String bosToken, String eosToken, Clock clock) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLegacyOverrides(com.hubspot.jinjava.LegacyOverrides.newBuilder()
                        .withEvaluateMapKeys(true).withIterateOverMapKeys(true).withUsePyishObjectMapper(true)
                        .withParseWhitespaceControlStrictly(true).withUseTrimmingForNotesAndExpressions(true)
                        .withAllowAdjacentTextNodes(true).withKeepNullableLoopValues(true).build())
                .withLstripBlocks(true)
                .withMaxOutputSize(MAX_OUTPUT_CHARS)
                .withMaxStringLength(MAX_OUTPUT_CHARS)
                .withElResolver(resolver)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                .withProcessors(JinjavaProcessors.newBuilder().withNodePreProcessor(RenderState::beforeNode).build())
                .build();
        ExpressionFactory expressions = PythonSyntax.expressionFactory();
        Jinjava jinjava = new Jinjava(config) {
            @Override
            public ExpressionFactory getExpressionFactory() {
                return expressions;
            }
        };
        jinjava.setResourceLocator((name, encoding, interpreter) -> {
            throw new IOException("a chat template cannot read files ('" + name + "')");
        });
        jinjava.getGlobalContext().registerFilter(new PythonJsonFilter());
        HuggingFaceFunctions.all().forEach(jinjava.getGlobalContext()::registerFunction);
        jinjava.getGlobalContext().registerFunction(CountedRange.function());

        JinjavaInterpreter parser = new JinjavaInterpreter(jinjava, jinjava.getGlobalContextCopy(), config);
        Node root;
        try (var current = JinjavaInterpreter.closeablePushCurrent(parser).get()) {
            root = parser.parse(withoutTrailingNewline(template));
        } catch (RuntimeException e) {
            // most syntax errors are recorded (failOnErrors), but some malformed tags are thrown: "{%}" as a
            // TemplateSyntaxException, others as Jinjava's own index errors
            throw new ChatTemplateException("chat template: " + e.getMessage());
        }
        failOnErrors(parser.getErrorsCopy());
        Map<String, Object> specialTokens = new HashMap<>();
        if (bosToken != null) {
            specialTokens.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            specialTokens.put("eos_token", eosToken);
        }
        return new ChatTemplate(jinjava, root, Map.copyOf(specialTokens));
    }

    /**
     * {@return the text of the chat {@code messages}}, ending with the start of the assistant's turn when
     * {@code addGenerationPrompt}
     *
     * @throws ChatTemplateException if the template fails or raises an exception (e.g. a role order it rejects)
     */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Map<String, Object> bindings = new HashMap<>(specialTokens);
        bindings.put("messages", messages.stream().map(ChatTemplate::asMap).toList());
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("tools", null);
        RenderState state = new RenderState(MAX_STEPS);
        bindings.put(RenderState.KEY, state);
        Context context = new Context(jinjava.getGlobalContextCopy(), bindings);
        JinjavaInterpreter interpreter = new JinjavaInterpreter(jinjava, context, jinjava.getGlobalConfig()) {
            @Override
            public String getAsString(Object value) {
                return value instanceof Boolean b ? (b ? "True" : "False") : super.getAsString(value); // Python's str
            }
        };
        String text;
        try (var current = JinjavaInterpreter.closeablePushCurrent(interpreter).get()) {
            text = interpreter.render(root);
        } catch (RuntimeException e) {
            throw new ChatTemplateException(state.raised() != null ? state.raised() : "chat template: " + e.getMessage());
        }
        if (state.raised() != null) {
            throw new ChatTemplateException(state.raised());
        }
        failOnErrors(interpreter.getErrorsCopy());
        return text;
    }

    /**
     * {@return the prompt's token ids}: the rendered text encoded as Hugging Face's
     * {@code apply_chat_template(tokenize=True)} does, the control tokens written in it parsed and no BOS added (the
     * template writes it)
     */
    public int[] encode(Tokenizer tokenizer, List<ChatMessage> messages, boolean addGenerationPrompt) {
        return tokenizer.encode(render(messages, addGenerationPrompt), new EncodeOptions(false, true));
    }

    private static Map<String, Object> asMap(ChatMessage message) {
        Map<String, Object> map = new LinkedHashMap<>();   // role first, as tojson shows it
        map.put("role", message.role());
        map.put("content", message.content());
        return map;
    }

    /** Jinja's lexer drops one newline at the very end of a template ({@code keep_trailing_newline=False}). */
    private static String withoutTrailingNewline(String template) {
        return template.endsWith("\r\n") ? template.substring(0, template.length() - 2)
                : template.endsWith("\n") || template.endsWith("\r") ? template.substring(0, template.length() - 1)
                : template;
    }

    /** Throws the first fatal error Jinjava recorded, with the template's line. */
    private static void failOnErrors(List<TemplateError> errors) {
        for (TemplateError error : errors) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                String where = error.getLineno() > 0 ? "chat template line " + error.getLineno() : "chat template";
                String message = error.getReason() == TemplateError.ErrorReason.OUTPUT_TOO_BIG
                        ? "the output is longer than the limit of " + MAX_OUTPUT_CHARS + " characters"
                        : error.getMessage();
                throw new ChatTemplateException(where + ": " + message);
            }
        }
    }
}

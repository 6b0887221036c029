package dev.forwardpass.models.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Jinja a chat template may use, rendered as Hugging Face's renderer (Python's jinja2) renders it, and the ways a
 * template fails or runs away. Each expected string is what jinja2 3.1.6 in HF's configuration (trim_blocks,
 * lstrip_blocks, HF's tojson, raise_exception and strftime_now) rendered for the same template, by hand once.
 */
class ChatTemplateTest {
    private static final List<ChatMessage> CHAT = List.of(ChatMessage.user("  Hello, World </think> x  "),
            ChatMessage.assistant("a\n</think>\n\nb"));

    private static String render(String template) {
        return ChatTemplate.of(template, "<s>", "</s>").render(CHAT, true);
    }

    @Test
    void pythonStringMethodsHaveTheirPythonMeaning() {
        assertEquals("True|True|False", render("{{ messages[0].content.startswith('  He') }}|"
                + "{{ messages[0].content.endswith('x  ') }}|{{ 'ab'.startswith(('x', 'y')) }}"));
        assertEquals("[\"  Hello, World \", \" x  \"]", render("{{ messages[0].content.split('</think>') | tojson }}"));
        assertEquals("[\"Hello,\", \"World\", \"</think>\", \"x\"]|[\"Hello,\", \"World </think> x  \"]",
                render("{{ messages[0].content.split() | tojson }}|{{ messages[0].content.split(none, 1) | tojson }}"));
        assertEquals("[Hello, World </think> x]|[Hello, World </think>]|[Hello, World </think> x  ]|[  Hello, World "
                + "</think> x]", render("[{{ messages[0].content.strip() }}]|[{{ messages[0].content.strip(' x') }}]|"
                + "[{{ messages[0].content.lstrip() }}]|[{{ messages[0].content.rstrip() }}]"));
        assertEquals("b|a", render("{{ messages[1].content.split('</think>')[-1].lstrip('\\n') }}|{{ messages[1]"
                + ".content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') }}"));
        assertEquals("Hello World 3Rd|Hello|abb|2-1|a, b", render("{{ 'hello wORLD 3rd'.title() }}|"
                + "{{ 'hELLO'.capitalize() }}|{{ 'aaa'.replace('a', 'b', 2)[::-1] }}|{{ 'abc'.find('c') }}"
                + "{{ 'abc'.find('z') }}|{{ ', '.join(['a', 'b']) }}"));
    }

    @Test
    void slicesTakeAStep() {
        assertEquals("fedcba|bd|ace|ef|abcd|🦙b", render("{{ 'abcdef'[::-1] }}|{{ 'abcdef'[1:5:2] }}|"
                + "{{ 'abcdef'[::2] }}|{{ 'abcdef'[-2:] }}|{{ 'abcdef'[:-2] }}|{{ 'b🦙'[::-1] }}"));
        assertEquals("assistant,user,|assistant", render("{% for m in messages[::-1] %}{{ m.role }},{% endfor %}|"
                + "{{ messages[::-1][0].role }}"));
    }

    @Test
    void namespacesAndKeywordArgumentsWithOperators() {
        assertEquals("1False", render("{% set ns = namespace(i=messages|length - 1, f=true) %}"
                + "{% for m in messages %}{% set ns.f = false %}{% endfor %}{{ ns.i }}{{ ns.f }}"));
    }

    @Test
    void toJsonIsPythonsJsonDumps() {
        assertEquals("{\"role\": \"user\", \"content\": \"  Hello, World </think> x  \"}",
                render("{{ messages[0] | tojson }}"));
        assertEquals("[\n  {\n    \"a\": 1\n  },\n  []\n]", render("{{ [{'a': 1}, []] | tojson(indent=2) }}"));
        assertEquals("\"é\\\"\\\\\\n\"", render("{{ 'é\"\\\\\\n' | tojson }}"));
    }

    @Test
    void whitespaceFollowsTrimBlocksAndLstripBlocks() {
        assertEquals("    AB", render("{%- if true %}\n    A\n{%- endif %}\nB\n"));
        assertEquals("    A\nB\n", render("{% if true %}\n    A\n{% endif %}\nB\n\n"));
        assertEquals("  x  \n", render("  {% if true %}\n  x  \n  {% endif %}\n"));
        assertEquals(" a B|Ab", render("{{- ' a ' -}}\n\n  B|A  \n  {{- 'b' }}"));
        assertEquals("x", render("{# c #}\n  {# d #}\nx"));
        assertEquals("userassistant", render("{% for m in messages -%}\n  {{ m.role }}\n{%- endfor %}"));
    }

    @Test
    void theVariablesHuggingFacePasses() {
        assertEquals("<s></s>|B|N|True", render("{{ bos_token }}{{ eos_token }}|{% if bos_token is defined %}B"
                + "{% endif %}{% if tools %}T{% endif %}|{% if tools is none %}N{% endif %}|{{ add_generation_prompt }}"));
        assertEquals("|", ChatTemplate.of("{{ bos_token }}|{{ eos_token }}", null, null).render(CHAT, false));
    }

    @Test
    void strftimeNowReadsTheGivenClock() {
        Clock clock = Clock.fixed(Instant.parse("2024-07-26T09:05:03Z"), ZoneOffset.UTC);
        assertEquals("26 Jul 2024", ChatTemplate.of("{{ strftime_now('%d %b %Y') }}", null, null, clock)
                .render(CHAT, true));
    }

    @Test
    void raiseExceptionEndsTheRenderWithTheTemplatesMessage() {
        ChatTemplate template = ChatTemplate.of("{% if messages[0].role != 'system' %}"
                + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
                + "{% endif %}after", null, null);
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> template.render(CHAT, true));
        assertEquals("Conversation roles must alternate user/assistant/user/assistant/...", e.getMessage());
    }

    @Test
    void aSyntaxErrorFailsWhenCompiledAndAnUndefinedCallWhenRendered() {
        ChatTemplateException syntax = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.of("{% for m in messages %}{{ m.role }}", null, null));
        assertTrue(syntax.getMessage().startsWith("chat template line 1: ") && syntax.getMessage().contains("endfor"),
                syntax.getMessage());
        ChatTemplateException call = assertThrows(ChatTemplateException.class, () -> render("{{ no_such_function(1) }}"));
        assertEquals("chat template line 1: Could not resolve function 'no_such_function'", call.getMessage());
        ChatTemplateException expression = assertThrows(ChatTemplateException.class, () -> render("{{ messages[ }}"));
        assertTrue(expression.getMessage().startsWith("chat template line 1: Error parsing"), expression.getMessage());
        // Jinjava throws for a malformed tag token rather than recording it (a fuzz finding)
        ChatTemplateException tag = assertThrows(ChatTemplateException.class, () -> ChatTemplate.of("a{%}", null, null));
        assertTrue(tag.getMessage().startsWith("chat template: ") && tag.getMessage().contains("Malformed tag token"),
                tag.getMessage());
    }

    @Test
    void aTemplateCannotReadFiles() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render("{% include 'pom.xml' %}"));
        assertTrue(e.getMessage().contains("cannot read files"), e.getMessage());
    }

    @Test
    void hugeOutputAndEndlessLoopsAreBounded() {
        ChatTemplateException output = assertThrows(ChatTemplateException.class, () -> render(
                "{% set chunk = range(1000) | join(',') %}{% for a in range(1000) %}{% for b in range(1000) %}"
                        + "{{ chunk }}{% endfor %}{% endfor %}"));
        assertEquals("chat template: the output is longer than the limit of " + ChatTemplate.MAX_OUTPUT_CHARS
                + " characters", output.getMessage());
        ChatTemplateException steps = assertThrows(ChatTemplateException.class, () -> render(
                "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}"
                        + "{% endfor %}{% endfor %}{% endfor %}"));
        assertEquals("chat template: it runs too long (more than " + ChatTemplate.MAX_STEPS + " steps)",
                steps.getMessage());
    }

    @Test
    void anUnknownRoleOrMissingContentIsRefused() {
        IllegalArgumentException role = assertThrows(IllegalArgumentException.class,
                () -> new ChatMessage("narrator", "Once upon a time"));
        assertEquals("unknown chat role 'narrator' (allowed: system, user, assistant, tool)", role.getMessage());
        IllegalArgumentException content = assertThrows(IllegalArgumentException.class, () -> ChatMessage.user(null));
        assertEquals("the user message has no content", content.getMessage());
    }

    @Test
    void aTemplateRendersAgainAndAgain() {
        ChatTemplate template = ChatTemplate.of("{% for m in messages %}{{ m.role }};{% endfor %}\n", null, null);
        assertEquals("user;assistant;", template.render(CHAT, true));
        assertEquals("user;assistant;", template.render(CHAT, false));
    }
}

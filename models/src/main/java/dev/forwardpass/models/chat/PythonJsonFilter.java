package dev.forwardpass.models.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;
import jinjava.javax.el.ELException;

/**
 * The {@code tojson} filter as Hugging Face's chat renderer defines it: Python's
 * {@code json.dumps(value, ensure_ascii=False, indent=indent)}, so {@code ", "} and {@code ": "} between items
 * (or one item per line when {@code indent} is given), keys in their order, and non-ASCII text as it is. Jinjava's own
 * {@code tojson} writes compact JSON.
 */
final class PythonJsonFilter implements Filter {

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
        if (indent != null && !(indent instanceof Number)) {
            throw new ELException("tojson: indent must be a number, found " + indent);
        }
        StringBuilder out = new StringBuilder();
        write(out, var, indent == null ? -1 : ((Number) indent).intValue(), 0);
        return out.toString();
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return filter(var, interpreter, args, Map.of());
    }

    /** Writes {@code value}; {@code indent} -1 is one line. */
    private static void write(StringBuilder out, Object value, int indent, int depth) {
        switch (value) {
            case null -> out.append("null");
            case String s -> string(out, s);
            case Boolean b -> out.append(b);
            case Double d when d == Math.rint(d) && Math.abs(d) < 1e16 -> out.append((long) (double) d).append(".0");
            case Number n -> out.append(n);
            case Map<?, ?> map -> {
                out.append('{');
                int i = 0;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    separate(out, i++, indent, depth + 1);
                    string(out, String.valueOf(e.getKey()));
                    out.append(": ");
                    write(out, e.getValue(), indent, depth + 1);
                }
                close(out, i, indent, depth, '}');
            }
            case Iterable<?> items -> {
                out.append('[');
                int i = 0;
                for (Object item : items) {
                    separate(out, i++, indent, depth + 1);
                    write(out, item, indent, depth + 1);
                }
                close(out, i, indent, depth, ']');
            }
            default -> string(out, String.valueOf(value));
        }
    }

    private static void separate(StringBuilder out, int index, int indent, int depth) {
        if (index > 0) {
            out.append(indent < 0 ? ", " : ",");
        }
        if (indent >= 0) {
            out.append('\n').repeat(' ', indent * depth);
        }
    }

    private static void close(StringBuilder out, int items, int indent, int depth, char bracket) {
        if (indent >= 0 && items > 0) {
            out.append('\n').repeat(' ', indent * depth);
        }
        out.append(bracket);
    }

    /** Writes a JSON string as Python does with {@code ensure_ascii=False}: only quotes, backslashes and controls escaped. */
    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}

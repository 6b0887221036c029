package dev.forwardpass.models.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods that chat templates call ({@code message.content.startswith('<tool_response>')},
 * {@code content.split('</think>')[-1].lstrip('\n')}), with Python's meaning, where Jinjava would call Java's
 * {@code String} methods of the same name (a regular-expression {@code split}, a {@code strip} without arguments) or
 * find none; and the stepped slice {@link PythonSyntax} writes as {@code __slice__}, of a string or a list. Any other
 * call goes on to Jinjava's resolvers.
 */
final class PythonMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(method instanceof String name) || base == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result;
        if (name.equals(PythonSyntax.SLICE_METHOD)) {
            result = slice(base, args);
        } else if (base instanceof String s) {
            result = stringMethod(s, name, args);
            if (result == null) {
                return null;    // not one of Python's: Jinjava's resolvers may know it
            }
        } else {
            return null;
        }
        context.setPropertyResolved(true);
        return result;
    }

    /** {@return the result of Python's {@code s.name(args)}, or null if this is not a method handled here} */
    private static Object stringMethod(String s, String name, Object[] args) {
        return switch (name) {
            case "startswith" -> anyAffix(s, args, name, true);
            case "endswith" -> anyAffix(s, args, name, false);
            case "strip" -> strip(s, chars(args, name), true, true);
            case "lstrip" -> strip(s, chars(args, name), true, false);
            case "rstrip" -> strip(s, chars(args, name), false, true);
            case "split" -> split(s, args);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace" -> replace(s, args);
            case "find" -> (long) s.indexOf(string(args, 0, name));
            case "join" -> join(s, args);
            default -> null;
        };
    }

    /** {@code startswith}/{@code endswith}: the argument is a string or a tuple (list) of strings. */
    private static boolean anyAffix(String s, Object[] args, String name, boolean prefix) {
        arity(args, 1, 1, name);
        Collection<?> affixes = args[0] instanceof Collection<?> list ? list : List.of(String.valueOf(args[0]));
        for (Object affix : affixes) {
            String a = String.valueOf(affix);
            if (prefix ? s.startsWith(a) : s.endsWith(a)) {
                return true;
            }
        }
        return false;
    }

    /** {@return the characters to strip: the argument, or null (white space) when there is none or it is none} */
    private static String chars(Object[] args, String name) {
        arity(args, 0, 1, name);
        return args.length == 0 || args[0] == null ? null : String.valueOf(args[0]);
    }

    private static String strip(String s, String chars, boolean left, boolean right) {
        int from = 0;
        int to = s.length();
        while (left && from < to && strips(s.charAt(from), chars)) {
            from++;
        }
        while (right && to > from && strips(s.charAt(to - 1), chars)) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean strips(char c, String chars) {
        return chars == null ? isPythonSpace(c) : chars.indexOf(c) >= 0;
    }

    /** Python's {@code str.isspace} for one character (ASCII white space, the separators and U+001C..U+001F). */
    private static boolean isPythonSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    /** {@code split(sep=None, maxsplit=-1)}: at runs of white space without a separator, else at each separator. */
    private static List<String> split(String s, Object[] args) {
        arity(args, 0, 2, "split");
        String sep = args.length > 0 && args[0] != null ? String.valueOf(args[0]) : null;
        long maxSplit = args.length > 1 ? number(args[1], "split") : -1;
        if (sep != null && sep.isEmpty()) {
            throw new ELException("split(): empty separator");
        }
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            while (true) {
                while (i < s.length() && isPythonSpace(s.charAt(i))) {
                    i++;
                }
                if (i == s.length()) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(s.substring(i));
                    return parts;
                }
                int end = i;
                while (end < s.length() && !isPythonSpace(s.charAt(end))) {
                    end++;
                }
                parts.add(s.substring(i, end));
                i = end;
            }
        }
        int from = 0;
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    /** Python's {@code title}: a cased letter after an uncased character is upper case, any other lower case. */
    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean cased = Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
            out.append(cased && !previousCased ? Character.toTitleCase(c) : Character.toLowerCase(c));
            previousCased = cased;
        }
        return out.toString();
    }

    /** {@code replace(old, new[, count])}. */
    private static String replace(String s, Object[] args) {
        arity(args, 2, 3, "replace");
        String old = string(args, 0, "replace");
        String replacement = string(args, 1, "replace");
        long count = args.length > 2 ? number(args[2], "replace") : -1;
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int at = old.isEmpty() ? (from <= s.length() ? from : -1) : s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            out.append(s, from, at).append(replacement);
            if (old.isEmpty()) {
                if (at < s.length()) {
                    out.append(s.charAt(at));
                }
                from = at + 1;
            } else {
                from = at + old.length();
            }
        }
        return from <= s.length() ? out.append(s.substring(from)).toString() : out.toString();
    }

    /** {@code sep.join(items)}: the items are strings. */
    private static String join(String separator, Object[] args) {
        arity(args, 1, 1, "join");
        StringBuilder out = new StringBuilder();
        for (Object item : iterable(args[0], "join")) {
            if (!(item instanceof String text)) {
                throw new ELException("join(): expected str instance, found " + item);
            }
            out.append(out.isEmpty() ? "" : separator).append(text);
        }
        return out.toString();
    }

    /** {@code base[start:stop:step]} of a string (by code point, as Python's are) or a list; a missing part is null. */
    private static Object slice(Object base, Object[] args) {
        arity(args, 3, 3, "slice");
        if (base instanceof String s) {
            int[] codePoints = s.codePoints().toArray();
            int[] picked = sliceIndices(codePoints.length, args).stream().mapToInt(i -> codePoints[i]).toArray();
            return new String(picked, 0, picked.length);
        }
        List<Object> items = new ArrayList<>();
        iterable(base, "slice").forEach(items::add);
        List<Object> picked = new ArrayList<>();
        for (int i : sliceIndices(items.size(), args)) {
            picked.add(items.get(i));
        }
        return picked;
    }

    /** {@return the indices Python's {@code slice(start, stop, step).indices(length)} walks} */
    private static List<Integer> sliceIndices(int length, Object[] bounds) {
        long step = bounds[2] == null ? 1 : number(bounds[2], "slice");
        if (step == 0) {
            throw new ELException("slice step cannot be zero");
        }
        long lower = step > 0 ? 0 : -1;
        long upper = step > 0 ? length : length - 1;
        long start = bounds[0] == null ? (step > 0 ? lower : upper) : clamp(number(bounds[0], "slice"), length,
                lower, upper);
        long stop = bounds[1] == null ? (step > 0 ? upper : lower) : clamp(number(bounds[1], "slice"), length,
                lower, upper);
        List<Integer> indices = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            indices.add((int) i);
        }
        return indices;
    }

    private static long clamp(long index, int length, long lower, long upper) {
        return index < 0 ? Math.max(index + length, lower) : Math.min(index, upper);
    }

    private static Iterable<?> iterable(Object value, String name) {
        if (value instanceof Iterable<?> items) {
            return items;
        }
        if (value instanceof Object[] array) {
            return Arrays.asList(array);
        }
        throw new ELException(name + "(): not a sequence: " + value);
    }

    private static long number(Object value, String name) {
        if (value instanceof Number n && n.doubleValue() == n.longValue()) {
            return n.longValue();
        }
        throw new ELException(name + "(): expected an integer, found " + value);
    }

    private static String string(Object[] args, int index, String name) {
        if (!(args[index] instanceof String s)) {
            throw new ELException(name + "(): expected a string, found " + args[index]);
        }
        return s;
    }

    private static void arity(Object[] args, int min, int max, String name) {
        if (args.length < min || args.length > max) {
            throw new ELException(name + "() takes " + (min == max ? min : min + " to " + max) + " arguments, "
                    + args.length + " given");
        }
    }

    // Values are resolved by Jinjava's own resolvers; this one only answers method calls.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // not resolved here: the next resolver sets it
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}

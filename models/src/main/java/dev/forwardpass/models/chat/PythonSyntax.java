package dev.forwardpass.models.chat;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.NamedParameterOperator;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.javax.el.ExpressionFactory;

/**
 * Jinjava's expression parser with the two pieces of Jinja's (Python's) expression syntax that it lacks and chat
 * templates use:
 * <ul>
 *   <li>a slice with a step, {@code messages[::-1]}: Jinjava parses {@code [start:stop]} only, so
 *       {@code x[a:b:c]} is read as {@code x.__slice__(a, b, c)} (an empty part is {@code none}), which
 *       {@link PythonMethods} evaluates as Python does;
 *   <li>a keyword argument whose value has an operator, {@code namespace(last=messages|length - 1)}: Jinjava binds
 *       {@code =} as tightly as {@code +} ({@code (last=messages|length) - 1}); here it binds more loosely than
 *       anything but {@code or}.
 * </ul>
 */
final class PythonSyntax {
    /** The method a stepped slice becomes; {@link PythonMethods} answers it. */
    static final String SLICE_METHOD = "__slice__";

    private PythonSyntax() {}

    /** {@return Jinjava's expression factory (its type converter and cache), parsing with this syntax} */
    static ExpressionFactory expressionFactory() {
        return new ExpressionFactoryImpl(new Properties(), new TruthyTypeConverter()) {
            @Override
            protected TreeBuilder createTreeBuilder(Properties properties, Builder.Feature... features) {
                return new SyntaxBuilder(features);
            }
        };
    }

    /** Builds {@link SyntaxParser}s. */
    private static final class SyntaxBuilder extends ExtendedSyntaxBuilder {
        private static final long serialVersionUID = 1L;

        SyntaxBuilder(Feature... features) {
            super(features);
        }

        @Override
        protected Parser createParser(String expression) {
            return new SyntaxParser(this, desugarSlices(expression));
        }
    }

    /** Jinjava's parser, with keyword arguments bound at the level of {@code or}. */
    private static final class SyntaxParser extends ExtendedParser {
        SyntaxParser(Builder context, String input) {
            super(context, input);
            putExtensionHandler(NamedParameterOperator.TOKEN, new ExtensionHandler(ExtensionPoint.OR) {
                @Override
                public AstNode createAstNode(AstNode... children) {
                    return NamedParameterOperator.HANDLER.createAstNode(children);
                }
            });
        }
    }

    /**
     * {@return {@code expression} with each stepped subscript {@code [a:b:c]} (two colons at its top level) written
     * as the call {@code .__slice__(a,b,c)}} Strings and other brackets are left as they are; slices inside the parts
     * are rewritten too.
     */
    static String desugarSlices(String expression) {
        StringBuilder out = new StringBuilder(expression.length());
        int i = 0;
        while (i < expression.length()) {
            char c = expression.charAt(i);
            if (c == '\'' || c == '"') {
                int end = endOfString(expression, i);
                out.append(expression, i, end);
                i = end;
            } else if (c == '[' && isSubscript(out)) {
                Subscript subscript = Subscript.at(expression, i);
                List<String> parts = subscript.parts();
                if (subscript.close() < expression.length() && parts.size() == 3) {
                    out.append('.').append(SLICE_METHOD).append('(');
                    for (int p = 0; p < 3; p++) {
                        String part = parts.get(p).strip();
                        out.append(p > 0 ? "," : "").append(part.isEmpty() ? "none" : desugarSlices(part));
                    }
                    out.append(')');
                    i = subscript.close() + 1;
                } else {
                    out.append(c);
                    i++;
                }
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** {@return whether a {@code [} after {@code before} subscripts a value} (not a list literal) */
    private static boolean isSubscript(CharSequence before) {
        for (int i = before.length() - 1; i >= 0; i--) {
            char c = before.charAt(i);
            if (!Character.isWhitespace(c)) {
                return Character.isJavaIdentifierPart(c) || c == ')' || c == ']' || c == '\'' || c == '"';
            }
        }
        return false;
    }

    /** {@return the index just past the string literal that opens at {@code start}} */
    private static int endOfString(String s, int start) {
        char quote = s.charAt(start);
        int i = start + 1;
        while (i < s.length() && s.charAt(i) != quote) {
            i += s.charAt(i) == '\\' ? 2 : 1;
        }
        return Math.min(i + 1, s.length());
    }

    /**
     * The text inside a subscript.
     *
     * @param close the index of its closing bracket, or the expression's length if it is unclosed
     * @param parts the text cut at the colons outside strings and inner brackets
     */
    private record Subscript(int close, List<String> parts) {
        /** {@return the subscript whose {@code [} is at {@code open}} */
        static Subscript at(String s, int open) {
            List<String> parts = new ArrayList<>();
            int depth = 0;
            int start = open + 1;
            int i = start;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '\'' || c == '"') {
                    i = endOfString(s, i);
                    continue;
                }
                if (c == '[' || c == '(' || c == '{') {
                    depth++;
                } else if ((c == ']' || c == ')' || c == '}') && depth-- == 0) {
                    parts.add(s.substring(start, i));
                    return new Subscript(i, parts);
                } else if (c == ':' && depth == 0) {
                    parts.add(s.substring(start, i));
                    start = i + 1;
                }
                i++;
            }
            return new Subscript(s.length(), parts);
        }
    }
}

package dev.forwardpass.models.chat;

import java.util.Set;

/**
 * One turn of a chat, as Hugging Face's chat templates receive it ({@code {"role": ..., "content": ...}}).
 *
 * @param role who speaks: {@code system}, {@code user}, {@code assistant} or {@code tool}
 * @param content what is said
 */
public record ChatMessage(String role, String content) {
    /** The roles chat templates know. */
    public static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    /** @throws IllegalArgumentException if the role is not one of {@link #ROLES}, or the content is null */
    public ChatMessage {
        if (role == null || !ROLES.contains(role)) {
            throw new IllegalArgumentException("unknown chat role '" + role + "' (allowed: system, user, assistant, "
                    + "tool)");
        }
        if (content == null) {
            throw new IllegalArgumentException("the " + role + " message has no content");
        }
    }

    /** {@return a system message} */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    /** {@return a user message} */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    /** {@return an assistant message} */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}

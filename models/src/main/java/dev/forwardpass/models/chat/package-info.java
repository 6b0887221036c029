/**
 * Chat templates: the Jinja text a model's files carry that turns a conversation into the prompt it was trained on,
 * rendered as Hugging Face's {@code apply_chat_template} renders it ({@link dev.forwardpass.models.chat.ChatTemplate}),
 * found in a model's files ({@link dev.forwardpass.models.chat.ChatTemplates}), with the tokens that end a turn.
 *
 * <p>Jinjava runs the templates, with what Jinja has and it lacks added: Python's {@code str} methods, slices with a
 * step, keyword arguments with operators, Hugging Face's {@code tojson}, {@code True}/{@code False} printed as
 * Python prints them, and Jinja's whitespace rules. Checked against Python's jinja2 on the Llama 3 and Qwen3 templates
 * and on the constructs listed; known differences remain where real templates do not go: {@code none} prints as an
 * empty string (Jinjava cannot tell it from an undefined value, which prints so), {@code %} and {@code *} on strings
 * or negative numbers are Java's, and string literals take no Unicode escapes.
 */
package dev.forwardpass.models.chat;

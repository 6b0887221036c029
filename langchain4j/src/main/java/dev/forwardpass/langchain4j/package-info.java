/**
 * ForwardPass as a LangChain4j chat model: {@link dev.forwardpass.langchain4j.ForwardPassChatModel} (blocking) and
 * {@link dev.forwardpass.langchain4j.ForwardPassStreamingChatModel} (pieces of text to a handler, from a thread of its
 * own) run a {@link dev.forwardpass.models.text.TextModel}'s chat. LangChain4j's requests map onto the text API's
 * parameters; what a local text model cannot do (tools, images and other non-text content, a JSON response format)
 * is refused with LangChain4j's {@link dev.langchain4j.exception.UnsupportedFeatureException} naming the feature.
 */
package dev.forwardpass.langchain4j;

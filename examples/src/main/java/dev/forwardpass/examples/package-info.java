/**
 * The README's library examples as programs the build compiles and runs: {@link dev.forwardpass.examples.Story}
 * streams a story from the text API, {@link dev.forwardpass.examples.ChatExample} chats through LangChain4j.
 */
package dev.forwardpass.examples;

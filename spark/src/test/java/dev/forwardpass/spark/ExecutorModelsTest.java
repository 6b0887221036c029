package dev.forwardpass.spark;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.forwardpass.models.text.TextModel;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Tasks that run at once hold models of their own; a task that starts later reuses one given back. No Spark here. */
class ExecutorModelsTest {

    @Test
    void eachTaskRunningAtOnceHoldsAModelOfItsOwnAndALaterTaskReusesOneGivenBack() throws IOException {
        TextModel.Options options = TextModel.Options.defaults().withThreads(1);
        TextModel first = ExecutorModels.borrow(options);
        TextModel second = ExecutorModels.borrow(options);
        assertNotSame(first, second, "two tasks at once");
        ExecutorModels.giveBack(options, second);
        TextModel third = ExecutorModels.borrow(options);
        assertSame(second, third, "a task after one ended");
        ExecutorModels.giveBack(options, first);
        ExecutorModels.giveBack(options, third);
    }
}

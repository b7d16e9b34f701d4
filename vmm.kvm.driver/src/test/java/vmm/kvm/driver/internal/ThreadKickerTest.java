package vmm.kvm.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * The kick that gets a vCPU thread out of KVM_RUN, tried on a thread blocked in poll(2),
 * which like KVM_RUN returns EINTR when a signal arrives and is never restarted.
 */
// Native access is this class's purpose; the JVM is started with --enable-native-access.
@SuppressWarnings("restricted")
class ThreadKickerTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final MethodHandle POLL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("poll"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
            Linker.Option.captureCallState("errno"));

    /** poll(NULL, 0, timeout): sleeps unless a signal comes; returns errno, or 0 on timeout. */
    private static int sleepInPoll(int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int r = (int) POLL.invokeExact(state, MemorySegment.NULL, 0L, timeoutMillis);
            return r == -1 ? state.get(ValueLayout.JAVA_INT,
                    STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"))) : 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Test
    void theJvmHandlesTheKickSignalSoItCannotKillTheProcess() throws Exception {
        long handler = Libc.signalHandler(ThreadKicker.SIGNAL);
        assertTrue(handler != 0 && handler != 1, "SIGPIPE handler is 0x" + Long.toHexString(handler));
    }

    @Test
    void kickInterruptsABlockedThread() throws Exception {
        ThreadKicker kicker = new ThreadKicker();
        AtomicInteger resets = new AtomicInteger();
        AtomicInteger requests = new AtomicInteger();
        CompletableFuture<Integer> entered = new CompletableFuture<>();
        long start = System.nanoTime();
        CompletableFuture<Integer> errno = CompletableFuture.supplyAsync(() -> {
            kicker.enter();
            entered.complete(1);
            try {
                return sleepInPoll(30_000);
            } finally {
                kicker.leave(resets::incrementAndGet);
            }
        });
        entered.get(10, TimeUnit.SECONDS);
        // A kick that lands between enter() and poll() is lost, as it would be before KVM_RUN
        // (where immediate_exit covers it), so this kicks until the thread is out.
        while (!errno.isDone()) {
            kicker.kick(requests::incrementAndGet);
            Thread.sleep(20);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertEquals(Errno.EINTR, errno.get());
        assertTrue(millis < 10_000, "woken after " + millis + " ms, not by the 30 s timeout");
        assertTrue(requests.get() >= 1);
        assertEquals(1, resets.get());
    }

    @Test
    void kickWithNoThreadInsideOnlyRunsTheRequest() throws Exception {
        ThreadKicker kicker = new ThreadKicker();
        AtomicInteger requests = new AtomicInteger();
        kicker.kick(requests::incrementAndGet);
        kicker.enter();
        kicker.leave(() -> { });
        kicker.kick(requests::incrementAndGet);
        assertEquals(2, requests.get());
    }
}

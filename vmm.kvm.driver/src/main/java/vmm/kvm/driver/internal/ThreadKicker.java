package vmm.kvm.driver.internal;

/**
 * Gets a thread out of a blocking KVM_RUN. KVM returns EINTR from KVM_RUN when a signal is
 * pending for the thread, so kicking is sending one with pthread_kill. The signal is SIGPIPE:
 * HotSpot installs a handler for it that does nothing (so that a closed socket does not kill
 * the JVM), which makes it safe to send to any Java thread, and this class checks that a
 * handler is there before it ever sends one.
 *
 * <p>A signal that arrives while the thread is not inside KVM_RUN is lost; that is why the
 * caller's {@code beforeSignal} sets kvm_run.immediate_exit, which makes the next KVM_RUN
 * return EINTR at once. The thread id is used only between {@link #enter()} and
 * {@link #leave()}, under the lock, so a thread that has ended is never signalled.
 */
public final class ThreadKicker {
    static final int SIGNAL = Libc.SIGPIPE;
    private static final long SIG_DFL = 0;
    private static final long SIG_IGN = 1;

    private long runningThread;
    private boolean inside;

    public ThreadKicker() throws NativeCallException {
        long handler = Libc.signalHandler(SIGNAL);
        if (handler == SIG_DFL || handler == SIG_IGN) {
            // With SIG_DFL the signal would end the process; with SIG_IGN it is never pending.
            throw new IllegalStateException("signal " + SIGNAL + " has no handler in this JVM (" + handler
                    + "): cannot interrupt a running vCPU");
        }
    }

    /** Called by the thread that is about to block. */
    public synchronized void enter() {
        runningThread = Libc.pthreadSelf();
        inside = true;
    }

    /**
     * Called by the same thread once the blocking call has returned; {@code reset} (clearing
     * immediate_exit) runs under the lock so that it cannot undo a kick made after it.
     */
    public synchronized void leave(Runnable reset) {
        inside = false;
        runningThread = 0;
        reset.run();
    }

    /** Runs {@code beforeSignal}, then signals the thread if it is between enter and leave. */
    public synchronized void kick(Runnable beforeSignal) throws NativeCallException {
        beforeSignal.run();
        if (inside) {
            Libc.pthreadKill(runningThread, SIGNAL);
        }
    }
}

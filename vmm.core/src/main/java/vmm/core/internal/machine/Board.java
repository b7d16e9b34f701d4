package vmm.core.internal.machine;

import java.util.Collection;
import java.util.List;

import vmm.core.device.DeviceType;
import vmm.core.hypervisor.AcceleratedVm;
import vmm.core.hypervisor.VmPlatform;
import vmm.core.loader.E820Map;
import vmm.core.machine.DeviceSpec;

/**
 * The machine's devices as the machine drives them: the {@link VmPlatform} handed to the
 * accelerator plus reset, console input and the memory map. One implementation per platform
 * assembly, so the machine does not care which devices make up the PC.
 */
interface Board extends VmPlatform, AutoCloseable {

    /** What the devices ask of the machine; called from vCPU or device threads. */
    interface Events {
        void powerOff();

        void resetRequested(String source);

        void debugExit(int value);
    }

    /** The guest's memory map (RAM minus what firmware and the platform reserve). */
    E820Map e820();

    /** Called once the accelerator made the VM: interrupt lines go through its in-kernel irqchip if it has one. */
    void attach(AcceleratedVm vm);

    /**
     * Plugs the configured devices in as PCI functions (types looked up by name in {@code types}).
     *
     * @throws IllegalArgumentException naming the device that cannot be made or placed
     */
    void plugDevices(List<DeviceSpec> specs, Collection<DeviceType> types);

    /**
     * Writes the real-mode IVT a BIOS leaves, before the kernel is loaded (a kernel loaded over
     * it wins). The default points every vector at an IRET; a board with a PIC of its own
     * points the hardware-interrupt vectors at handlers that acknowledge it.
     */
    default void writeRealModeIvt(vmm.core.memory.GuestMemory memory) {
        BootCpuState.writeIvt(memory);
    }

    /** Every device back to its power-on state (a hardware reset); guest RAM is left alone. */
    void reset();

    /** The PCI device types plugged in by {@link #plugDevices}, in slot order. */
    List<String> deviceTypes();

    /** The plugged functions that offer {@code kind}, in slot order. */
    <T> List<T> devices(Class<T> kind);

    /**
     * Every device's state by name (platform devices and PCI functions), taken while the vCPUs
     * are stopped (inside {@link #holdTime()}, so that the timers are read as of one instant).
     *
     * @throws UnsupportedOperationException naming a device (or the board) that cannot save
     */
    java.util.Map<String, vmm.core.device.DeviceState> saveDevices();

    /**
     * Puts back states from {@link #saveDevices} into a board made the same way (inside
     * {@link #holdTime()}, so that the timers go on from one instant).
     *
     * @throws IllegalArgumentException naming the device whose state is missing or unreadable
     */
    void restoreDevices(java.util.Map<String, vmm.core.device.DeviceState> states);

    /** Time held still until closed. */
    interface TimeHold extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Holds the guest's time base ({@link #nanoTime()}) at this instant until closed: the
     * platform's timers and the accelerator's TSCs, saved or restored meanwhile, then agree to
     * the nanosecond (Linux's clocksource watchdog drops a TSC that drifts from the HPET).
     */
    TimeHold holdTime();
    /** Presses the ACPI power button; whether the guest had enabled its event. */
    boolean pressPowerButton();

    /** Offers console input to COM1; returns how many bytes it took (the rest must wait). */
    int consoleInput(byte[] bytes);

    @Override
    void close();
}

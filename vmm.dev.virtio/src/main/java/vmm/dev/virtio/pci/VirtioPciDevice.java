package vmm.dev.virtio.pci;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.DeviceContext;
import vmm.core.device.DeviceState;
import vmm.core.device.IrqLine;
import vmm.core.device.PciConfigSpace;
import vmm.core.device.PciDevice;
import vmm.core.memory.GuestMemory;
import vmm.dev.virtio.device.DeviceHost;
import vmm.dev.virtio.device.VirtioDevice;
import vmm.dev.virtio.queue.PackedVirtqueue;
import vmm.dev.virtio.queue.QueueInterrupt;
import vmm.dev.virtio.queue.SplitVirtqueue;
import vmm.dev.virtio.queue.Virtqueue;
import vmm.dev.virtio.queue.VirtqueueException;
import vmm.dev.virtio.queue.VirtioFeatures;

/**
 * virtio-pci, modern only (virtio 1.2, 4.1): a PCI function with vendor capabilities pointing
 * at the common, notify, ISR and device-specific configuration in BAR 4, and an MSI-X table in
 * the same BAR. Queues are split, or packed when offered and the driver accepts them. Queue notifications are handed to the device's own worker thread, so a vCPU
 * writing the notify register never waits for the device. Without MSI-X the device raises INTx
 * and the ISR register says why.
 */
public final class VirtioPciDevice implements PciDevice, BusDevice, DeviceHost, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VirtioPciDevice.class);
    public static final int BAR = 4;
    static final int BAR_SIZE = 0x10000;
    static final int COMMON = 0x0000;
    static final int COMMON_LEN = 0x3c;
    static final int ISR = 0x1000;
    static final int DEVICE = 0x2000;
    static final int NOTIFY = 0x3000;
    static final int NOTIFY_MULTIPLIER = 4;
    static final int MSIX_TABLE = 0x8000;
    static final int MSIX_PBA = 0xc000;
    static final int NO_VECTOR = 0xffff;

    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_NEEDS_RESET = 0x40;
    public static final int STATUS_FAILED = 0x80;

    private final VirtioDevice device;
    private final DeviceContext ctx;
    private final PciConfigSpace config;
    private final MsixTable msix;
    private final int msixCap;
    private final IrqLine intx;
    private final QueueState[] queues;
    private final ExecutorService worker;
    private final boolean offerPacked;

    private long driverFeatures;
    private int deviceFeatureSelect;
    private int driverFeatureSelect;
    private int status;
    private int configGeneration;
    private int configVector = NO_VECTOR;
    private int queueSelect;
    private int isr;

    /** What the driver programs for one queue. */
    private static final class QueueState {
        int size;
        int vector = NO_VECTOR;
        boolean enabled;
        long desc;
        long driver;
        long deviceArea;
        volatile Virtqueue queue;
    }

    /**
     * @param intx the function's INTx line (IrqLine.NONE when the machine routes none)
     */
    public VirtioPciDevice(VirtioDevice device, DeviceContext ctx, IrqLine intx) {
        this(device, ctx, intx, false);
    }

    /**
     * @param intx        the function's INTx line (IrqLine.NONE when the machine routes none)
     * @param offerPacked whether to offer VIRTIO_F_RING_PACKED (QEMU's {@code packed=on}); a
     *                    driver that accepts it gets packed virtqueues
     */
    public VirtioPciDevice(VirtioDevice device, DeviceContext ctx, IrqLine intx, boolean offerPacked) {
        this.device = device;
        this.offerPacked = offerPacked;
        this.ctx = ctx;
        this.intx = intx;
        this.queues = new QueueState[device.queueCount()];
        for (int i = 0; i < queues.length; i++) {
            queues[i] = new QueueState();
            queues[i].size = device.maxQueueSize();
        }
        this.msix = new MsixTable(queues.length + 1, ctx.msi());
        this.config = new PciConfigSpace(0x1af4, 0x1040 + device.deviceId(), classCode(device.deviceId()), 1);
        config.setSubsystem(0x1af4, 0x1100);
        config.setInterruptPin(1);
        config.addMemoryBar(BAR, BAR_SIZE, false, true);
        addVirtioCap(1, COMMON, COMMON_LEN, -1);
        addVirtioCap(2, NOTIFY, NOTIFY_MULTIPLIER * queues.length, NOTIFY_MULTIPLIER);
        addVirtioCap(3, ISR, 4, -1);
        addVirtioCap(4, DEVICE, 0x1000, -1);
        ByteBuffer cap = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        cap.putShort(2, (short) (msix.vectors() - 1));
        cap.putInt(4, MSIX_TABLE | BAR);
        cap.putInt(8, MSIX_PBA | BAR);
        byte[] mask = new byte[12];
        mask[3] = (byte) 0xc0;  // enable and function mask
        this.msixCap = config.addCapability(0x11, cap.array(), mask);
        this.worker = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name(ctx.name() + "-virtio").factory());
    }

    static int classCode(int id) {
        return switch (id) {
            case 1 -> 0x020000;  // Ethernet
            case 2 -> 0x010000;  // SCSI-class storage, as QEMU's virtio-blk
            case 3 -> 0x078000;  // other communication controller
            case 5 -> 0x050000;  // RAM
            default -> 0x00ff00;
        };
    }

    private void addVirtioCap(int type, int offset, int length, int multiplier) {
        ByteBuffer b = ByteBuffer.allocate(multiplier >= 0 ? 20 : 16).order(ByteOrder.LITTLE_ENDIAN);
        b.put(2, (byte) b.capacity());
        b.put(3, (byte) type);
        b.put(4, (byte) BAR);
        b.putInt(8, offset);
        b.putInt(12, length);
        if (multiplier >= 0) {
            b.putInt(16, multiplier);
        }
        config.addCapability(0x09, b.array(), null);
    }

    public VirtioDevice device() {
        return device;
    }

    /** The transport, or the device model behind it (a balloon's host side, say), as {@code kind}. */
    @Override
    public <T> java.util.Optional<T> facet(Class<T> kind) {
        if (kind.isInstance(device)) {
            return java.util.Optional.of(kind.cast(device));
        }
        return PciDevice.super.facet(kind);
    }

    @Override
    public PciConfigSpace configSpace() {
        return config;
    }

    @Override
    public void writeConfig(int offset, int size, int value) {
        config.write(offset, size, value);
        if (offset <= msixCap + 3 && offset + size > msixCap + 2) {
            int ctrl = config.read(msixCap + 2, 2);
            msix.control((ctrl & 0x8000) != 0, (ctrl & 0x4000) != 0);
        }
    }

    @Override
    public BusDevice bar(int index) {
        return index == BAR ? this : null;
    }

    @Override
    public String name() {
        return ctx.name();
    }

    // BAR 4 registers.

    @Override
    public void read(long offset, byte[] data) {
        if (offset >= COMMON && offset + data.length <= COMMON + COMMON_LEN) {
            byte[] common = commonSnapshot();
            System.arraycopy(common, (int) offset, data, 0, data.length);
        } else if (offset == ISR) {
            java.util.Arrays.fill(data, (byte) 0);
            data[0] = (byte) takeIsr();
        } else if (offset >= DEVICE && offset < DEVICE + 0x1000) {
            byte[] cfg = device.config();
            for (int i = 0; i < data.length; i++) {
                long o = offset - DEVICE + i;
                data[i] = o < cfg.length ? cfg[(int) o] : 0;
            }
        } else if (offset >= MSIX_TABLE && offset < MSIX_PBA) {
            msix.readTable(offset - MSIX_TABLE, data);
        } else if (offset >= MSIX_PBA && offset < BAR_SIZE) {
            msix.readPba(offset - MSIX_PBA, data);
        } else {
            java.util.Arrays.fill(data, (byte) 0);
        }
    }

    @Override
    public void write(long offset, byte[] data) {
        if (offset >= COMMON && offset + data.length <= COMMON + COMMON_LEN) {
            writeCommon((int) offset, data);
        } else if (offset >= NOTIFY && offset < NOTIFY + (long) NOTIFY_MULTIPLIER * queues.length) {
            notifyQueue((int) ((offset - NOTIFY) / NOTIFY_MULTIPLIER));
        } else if (offset >= DEVICE && offset < DEVICE + 0x1000) {
            device.writeConfig((int) (offset - DEVICE), data.clone());
        } else if (offset >= MSIX_TABLE && offset < MSIX_PBA) {
            msix.writeTable(offset - MSIX_TABLE, data);
        }
    }

    private synchronized byte[] commonSnapshot() {
        ByteBuffer b = ByteBuffer.allocate(COMMON_LEN).order(ByteOrder.LITTLE_ENDIAN);
        long offered = offeredFeatures();
        b.putInt(0x00, deviceFeatureSelect);
        b.putInt(0x04, deviceFeatureSelect < 2 ? (int) (offered >>> (32 * deviceFeatureSelect)) : 0);
        b.putInt(0x08, driverFeatureSelect);
        b.putInt(0x0c, driverFeatureSelect < 2 ? (int) (driverFeatures >>> (32 * driverFeatureSelect)) : 0);
        b.putShort(0x10, (short) configVector);
        b.putShort(0x12, (short) queues.length);
        b.put(0x14, (byte) status);
        b.put(0x15, (byte) configGeneration);
        b.putShort(0x16, (short) queueSelect);
        if (queueSelect < queues.length) {
            QueueState q = queues[queueSelect];
            b.putShort(0x18, (short) q.size);
            b.putShort(0x1a, (short) q.vector);
            b.putShort(0x1c, (short) (q.enabled ? 1 : 0));
            b.putShort(0x1e, (short) queueSelect);
            b.putLong(0x20, q.desc);
            b.putLong(0x28, q.driver);
            b.putLong(0x30, q.deviceArea);
            b.putShort(0x38, (short) queueSelect);
        }
        return b.array();
    }

    private long offeredFeatures() {
        return device.features() | VirtioFeatures.TRANSPORT | (offerPacked ? VirtioFeatures.RING_PACKED : 0);
    }

    private synchronized void writeCommon(int offset, byte[] data) {
        long v = 0;
        for (int i = data.length - 1; i >= 0; i--) {
            v = (v << 8) | (data[i] & 0xff);
        }
        QueueState q = queueSelect < queues.length ? queues[queueSelect] : null;
        switch (offset) {
            case 0x00 -> deviceFeatureSelect = (int) v;
            case 0x08 -> driverFeatureSelect = (int) v;
            case 0x0c -> {
                if (driverFeatureSelect < 2 && (status & STATUS_FEATURES_OK) == 0) {
                    long shift = 32L * driverFeatureSelect;
                    driverFeatures = (driverFeatures & ~(0xffffffffL << shift)) | ((v & 0xffffffffL) << shift);
                }
            }
            case 0x10 -> configVector = vector((int) v);
            case 0x14 -> writeStatus((int) v & 0xff);
            case 0x16 -> queueSelect = (int) v & 0xffff;
            case 0x18 -> {
                if (q != null && !q.enabled) {
                    q.size = (int) v & 0xffff;
                }
            }
            case 0x1a -> {
                if (q != null) {
                    q.vector = vector((int) v);
                }
            }
            case 0x1c -> {
                if (q != null && v == 1 && !q.enabled) {
                    enableQueue(queueSelect, q);
                }
            }
            case 0x20, 0x24, 0x28, 0x2c, 0x30, 0x34 -> {
                if (q != null && !q.enabled) {
                    setAddress(q, offset, v, data.length);
                }
            }
            default -> LOG.debug("{}: write to common config 0x{} ignored", ctx.name(), Integer.toHexString(offset));
        }
    }

    /** A vector the table has, else NO_VECTOR (the driver reads it back to learn it failed). */
    private int vector(int v) {
        return v >= 0 && v < msix.vectors() ? v : NO_VECTOR;
    }

    private static void setAddress(QueueState q, int offset, long v, int size) {
        int field = (offset - 0x20) / 8;
        boolean high = (offset & 4) != 0;
        long old = field == 0 ? q.desc : field == 1 ? q.driver : q.deviceArea;
        long value;
        if (size == 8) {
            value = v;
        } else if (high) {
            value = (old & 0xffffffffL) | (v << 32);
        } else {
            value = (old & ~0xffffffffL) | (v & 0xffffffffL);
        }
        switch (field) {
            case 0 -> q.desc = value;
            case 1 -> q.driver = value;
            default -> q.deviceArea = value;
        }
    }

    private void writeStatus(int value) {
        if (value == 0) {
            resetDevice();
            return;
        }
        if ((value & STATUS_FEATURES_OK) != 0 && (status & STATUS_FEATURES_OK) == 0) {
            // A driver asking for features we did not offer, or a legacy driver, gets no FEATURES_OK.
            if ((driverFeatures & ~offeredFeatures()) != 0 || (driverFeatures & VirtioFeatures.VERSION_1) == 0) {
                value &= ~STATUS_FEATURES_OK;
            }
        }
        boolean start = (value & STATUS_DRIVER_OK) != 0 && (status & STATUS_DRIVER_OK) == 0;
        status = value | (status & STATUS_NEEDS_RESET);
        if (start) {
            device.start(this);
        }
    }

    private void enableQueue(int index, QueueState q) {
        try {
            q.queue = newQueue(index, q.size, q.desc, q.driver, q.deviceArea, driverFeatures, -1,
                    () -> interrupt(q.vector, 1));
            q.enabled = true;
        } catch (VirtqueueException e) {
            needsReset(e.getMessage());
        }
    }

    /**
     * A split or packed queue, as the driver negotiated; {@code base} resumes one (its
     * {@link Virtqueue#lastAvail()} when saved), -1 starts it fresh.
     */
    private Virtqueue newQueue(int index, int size, long desc, long driver, long device, long features, int base,
                               QueueInterrupt signal) throws VirtqueueException {
        if ((features & VirtioFeatures.RING_PACKED) != 0) {
            return new PackedVirtqueue(index, ctx.memory(), size, desc, driver, device, features,
                    base < 0 ? PackedVirtqueue.FRESH : base, signal);
        }
        return new SplitVirtqueue(index, ctx.memory(), size, desc, driver, device, features, Math.max(0, base), signal);
    }

    private synchronized void resetDevice() {
        device.reset();
        for (QueueState q : queues) {
            q.enabled = false;
            q.queue = null;
            q.size = device.maxQueueSize();
            q.vector = NO_VECTOR;
            q.desc = q.driver = q.deviceArea = 0;
        }
        status = 0;
        driverFeatures = 0;
        configVector = NO_VECTOR;
        queueSelect = 0;
        isr = 0;
        intx.set(false);
    }

    private void notifyQueue(int index) {
        Virtqueue q = queues[index].queue;
        int st;
        synchronized (this) {
            st = status;
        }
        if (q == null || (st & STATUS_DRIVER_OK) == 0 || (st & STATUS_NEEDS_RESET) != 0) {
            return;
        }
        worker.execute(() -> device.queueNotify(q));
    }

    private synchronized int takeIsr() {
        int v = isr;
        isr = 0;
        intx.set(false);
        return v;
    }

    private void interrupt(int vector, int isrBit) {
        if (msix.enabled()) {
            msix.signal(vector);
            return;
        }
        synchronized (this) {
            isr |= isrBit;
        }
        intx.set(true);
    }

    @Override
    public void reset() {
        resetDevice();
        msix.reset();
        config.reset();
    }

    @Override
    public void resetConfig() {
        reset();
    }

    /**
     * The transport's state for a saved machine (the vCPUs are stopped): first every queued
     * notification is handled and every request taken from a ring completes, so the rings in
     * guest RAM, saved after the devices, hold no request half done. A queue's position is its
     * {@link Virtqueue#lastAvail()}: for a packed ring it carries the wrap counter in bit 15, and
     * with every request completed the used side stands at the same place; the event
     * suppression structures live in guest RAM.
     */
    @Override
    public DeviceState saveState() {
        try {
            worker.submit(() -> { }).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new UnsupportedOperationException(ctx.name() + ": its queue thread did not settle: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnsupportedOperationException(ctx.name() + ": interrupted while its queues settled", e);
        }
        for (QueueState q : queues) {
            Virtqueue v = q.queue;
            if (v != null) {
                device.quiesce(v);
            }
        }
        synchronized (this) {
            java.util.List<VirtioPciState.Queue> saved = new java.util.ArrayList<>();
            for (QueueState q : queues) {
                Virtqueue v = q.queue;
                saved.add(new VirtioPciState.Queue(q.size, q.vector, q.enabled, q.desc, q.driver, q.deviceArea,
                        v != null ? v.lastAvail() : 0));
            }
            return new VirtioPciState(device.deviceId(), driverFeatures, deviceFeatureSelect, driverFeatureSelect, status,
                    configGeneration, configVector, queueSelect, isr, saved, config.snapshot(), msix.save())
                    .toDeviceState();
        }
    }

    /**
     * Takes back a state from {@link #saveState()} into this function, made the same way, after
     * guest RAM was restored: the queues are set up again on the rings there, from the next
     * available index they had, and a started device is started again.
     */
    @Override
    public void restoreState(DeviceState state) {
        VirtioPciState s = VirtioPciState.of(state);
        if (s.deviceId() != device.deviceId() || s.queues().size() != queues.length) {
            throw new IllegalArgumentException("virtio device " + s.deviceId() + " with " + s.queues().size()
                    + " queues saved, this is device " + device.deviceId() + " with " + queues.length);
        }
        synchronized (this) {
            Virtqueue[] rebuilt = new Virtqueue[queues.length];
            for (int i = 0; i < queues.length; i++) {
                VirtioPciState.Queue q = s.queues().get(i);
                if (q.enabled()) {
                    QueueState target = queues[i];
                    try {
                        rebuilt[i] = newQueue(i, q.size(), q.desc(), q.driver(), q.device(), s.driverFeatures(),
                                q.lastAvail(), () -> interrupt(target.vector, 1));
                    } catch (VirtqueueException e) {
                        throw new IllegalArgumentException("queue " + i + ": " + e.getMessage(), e);
                    }
                }
            }
            config.restore(s.pciConfig());
            msix.restore(s.msix());
            device.reset();
            driverFeatures = s.driverFeatures();
            deviceFeatureSelect = s.deviceFeatureSelect();
            driverFeatureSelect = s.driverFeatureSelect();
            status = s.status();
            configGeneration = s.configGeneration();
            configVector = s.configVector();
            queueSelect = s.queueSelect();
            isr = s.isr();
            for (int i = 0; i < queues.length; i++) {
                VirtioPciState.Queue q = s.queues().get(i);
                queues[i].size = q.size();
                queues[i].vector = q.vector();
                queues[i].enabled = q.enabled();
                queues[i].desc = q.desc();
                queues[i].driver = q.driver();
                queues[i].deviceArea = q.device();
                queues[i].queue = rebuilt[i];
            }
            if ((status & STATUS_DRIVER_OK) != 0 && (status & STATUS_NEEDS_RESET) == 0) {
                device.start(this);
            }
            intx.set(isr != 0 && !msix.enabled());
        }
    }

    // DeviceHost: what the running device sees.

    @Override
    public GuestMemory memory() {
        return ctx.memory();
    }

    @Override
    public synchronized long features() {
        return driverFeatures;
    }

    @Override
    public Virtqueue queue(int index) {
        return index >= 0 && index < queues.length ? queues[index].queue : null;
    }

    @Override
    public void needsReset(String reason) {
        LOG.warn("{}: device needs a reset: {}", ctx.name(), reason);
        synchronized (this) {
            status |= STATUS_NEEDS_RESET;
            configGeneration++;
        }
        interrupt(configVector, 2);
    }

    @Override
    public void configChanged() {
        synchronized (this) {
            configGeneration++;
        }
        interrupt(configVector, 2);
    }

    /** Ends the device model's work and releases its backend (the disk image, say). */
    @Override
    public void close() {
        device.close();
    }
}

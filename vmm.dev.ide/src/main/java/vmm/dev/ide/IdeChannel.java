package vmm.dev.ide;

import static vmm.dev.ide.Ata.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import vmm.core.device.BusDevice;
import vmm.core.device.IrqLine;
import vmm.core.memory.GuestMemory;

/**
 * One IDE channel (cable) with up to two ATA disks: the shadow task file, the command state
 * machine (PIO data phases through the data register, DMA through the bus-master registers),
 * and INTRQ. The command block registers are {@link #commandBlock()}, the control block
 * (alternate status, device control) {@link #controlBlock()}, the bus-master registers
 * {@link #busMaster()}.
 *
 * <p>DMA transfers and flushes run on the controller's I/O thread (BSY meanwhile, INTRQ at the
 * end); a PIO block (at most {@link Identify#MAX_MULTIPLE} sectors) is read or written on the
 * vCPU thread that asks for it, as the guest waits on each block anyway.
 */
final class IdeChannel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IdeChannel.class);

    private final String name;
    private final AtaDrive[] drives;
    private final IrqLine irq;
    private final GuestMemory memory;
    private final Set<Integer> loggedCommands = ConcurrentHashMap.newKeySet();
    private final IdeStats stats;
    private volatile java.util.function.BooleanSupplier mastering = () -> true;
    private final java.util.concurrent.Executor io;
    /** Counts resets, so that I/O finishing after one does not touch the new state. */
    private long generation;

    private final TaskFile tf = new TaskFile();
    private boolean intrq;

    // the PIO data phase
    private byte[] buffer = new byte[0];
    private int bufferPos;
    private int bufferEnd;
    private boolean writing;
    private long nextLba;
    private long sectorsLeft;
    private int blockSectors;

    // bus master (one half of BAR4)
    private int bmCommand;
    private int bmStatus;
    private int prdTable;
    private boolean dmaPending;
    private boolean dmaToMemory;

    IdeChannel(String name, AtaDrive master, AtaDrive slave, IrqLine irq, GuestMemory memory, IdeStats stats,
               java.util.concurrent.Executor io) {
        this.io = io;
        this.name = name;
        this.drives = new AtaDrive[] {master, slave};
        this.irq = irq;
        this.memory = memory;
        this.stats = stats;
        reset();
    }

    /** DMA moves data only while {@code enabled} says the function may master the bus. */
    void masteringWhen(java.util.function.BooleanSupplier enabled) {
        mastering = enabled;
    }

    boolean hasDrives() {
        return drives[0] != null || drives[1] != null;
    }

    AtaDrive drive(int unit) {
        return drives[unit];
    }

    private AtaDrive selected() {
        return drives[(tf.device & DEV) != 0 ? 1 : 0];
    }

    /** Power-on: the drives' settings too, then a soft reset. */
    synchronized void reset() {
        for (AtaDrive d : drives) {
            if (d != null) {
                d.powerOn();
            }
        }
        tf.control = 0;
        bmCommand = 0;
        bmStatus = 0;
        prdTable = 0;
        softReset();
    }

    /** SRST or power-on: the signature of an ATA disk in the task file, diagnostics passed. */
    private void softReset() {
        generation++;
        tf.signature();
        tf.status = hasDrives() ? DRDY | DSC : 0;
        endDataPhase();
        dmaPending = false;
        setIntrq(false);
    }

    // ---- register access ----

    BusDevice commandBlock() {
        return new ChannelPorts.CommandBlock(this, name);
    }

    BusDevice controlBlock() {
        return new ChannelPorts.ControlBlock(this, name + " control");
    }

    synchronized int readRegister(int reg) {
        boolean absent = selected() == null;
        return switch (reg) {
            case 1, 2, 3, 4, 5 -> absent ? 0 : tf.read(reg);
            case 6 -> hasDrives() ? tf.device | 0xA0 : 0;
            case 7 -> readStatus(true);
            default -> 0xff;
        };
    }

    synchronized int readStatus(boolean acknowledge) {
        if (selected() == null) {
            return 0;
        }
        if (acknowledge) {
            setIntrq(false);
        }
        return tf.status;
    }

    synchronized void writeRegister(int reg, int value) {
        if (reg == 7) {
            tf.control &= ~HOB;
            command(value);
        } else {
            tf.write(reg, value);
        }
    }

    synchronized void writeControl(int value) {
        boolean wasReset = (tf.control & SRST) != 0;
        tf.control = value;
        if ((value & SRST) != 0) {
            generation++; // a DMA or flush still running finishes unseen
            tf.status = BSY;
            endDataPhase();
            dmaPending = false;
            setIntrq(false);
        } else if (wasReset) {
            softReset();
            tf.control = value;
        }
        updateIrq();
    }

    private void setIntrq(boolean on) {
        intrq = on;
        if (on) {
            bmStatus |= 0x04;
        }
        updateIrq();
    }

    private void updateIrq() {
        irq.set(intrq && (tf.control & NIEN) == 0);
    }

    // ---- commands ----

    private void command(int cmd) {
        AtaDrive d = selected();
        if (d == null || (tf.status & BSY) != 0) {
            return; // commands to an absent drive, or while busy, go nowhere
        }
        setIntrq(false);
        endDataPhase();
        tf.error = 0;
        tf.status = DRDY | DSC;
        switch (cmd) {
            case IDENTIFY -> startPioIn(d.identify());
            case READ_SECTORS, READ_SECTORS_NR -> startPio(d, tf.lba28(), tf.count28(), 1, false);
            case READ_SECTORS_EXT -> startPio(d, tf.lba48(), tf.count48(), 1, false);
            case READ_MULTIPLE -> startMultiple(d, tf.lba28(), tf.count28(), false);
            case READ_MULTIPLE_EXT -> startMultiple(d, tf.lba48(), tf.count48(), false);
            case WRITE_SECTORS, WRITE_SECTORS_NR -> startPio(d, tf.lba28(), tf.count28(), 1, true);
            case WRITE_SECTORS_EXT -> startPio(d, tf.lba48(), tf.count48(), 1, true);
            case WRITE_MULTIPLE -> startMultiple(d, tf.lba28(), tf.count28(), true);
            case WRITE_MULTIPLE_EXT -> startMultiple(d, tf.lba48(), tf.count48(), true);
            case READ_DMA, READ_DMA_NR -> startDma(d, tf.lba28(), tf.count28(), true);
            case READ_DMA_EXT -> startDma(d, tf.lba48(), tf.count48(), true);
            case WRITE_DMA, WRITE_DMA_NR -> startDma(d, tf.lba28(), tf.count28(), false);
            case WRITE_DMA_EXT -> startDma(d, tf.lba48(), tf.count48(), false);
            case VERIFY, VERIFY_NR -> complete(d.inRange(tf.lba28(), tf.count28()) ? 0 : IDNF);
            case VERIFY_EXT -> complete(d.inRange(tf.lba48(), tf.count48()) ? 0 : IDNF);
            case FLUSH_CACHE, FLUSH_CACHE_EXT -> flush(d);
            case SET_MULTIPLE -> complete(d.setMultiple(tf.nsect) ? 0 : ABRT);
            case SET_FEATURES -> complete(d.setFeatures(tf.feature, tf.nsect) ? 0 : ABRT);
            case INIT_PARAMS, STANDBY_NOW, IDLE_NOW -> complete(0);
            case CHECK_POWER -> {
                tf.nsect = 0xFF; // active or idle
                complete(0);
            }
            case DIAGNOSE -> {
                softReset();
                setIntrq(true);
            }
            default -> {
                if (cmd >= 0x10 && cmd <= 0x1F) { // RECALIBRATE, obsolete but harmless
                    complete(0);
                } else {
                    if (loggedCommands.add(cmd)) {
                        LOG.info("{}: command 0x{} is not implemented, aborted", name, Integer.toHexString(cmd));
                    }
                    complete(ABRT);
                }
            }
        }
    }

    /** Ends a command without data: ERR and the error bits when {@code err} is not 0, and INTRQ. */
    private void complete(int err) {
        tf.error = err;
        tf.status = DRDY | DSC | (err != 0 ? ERR : 0);
        if (err != 0) {
            stats.errors().incrementAndGet();
        }
        setIntrq(true);
    }

    /** fsync can take long: BSY until the I/O thread has it done. */
    private void flush(AtaDrive d) {
        tf.status = BSY | DRDY | DSC;
        long command = generation;
        io.execute(() -> {
            IOException failure = null;
            try {
                d.flush();
                stats.flushes().incrementAndGet();
            } catch (IOException e) {
                LOG.warn("{}: flush failed: {}", name, e.toString());
                failure = e;
            }
            synchronized (this) {
                if (command != generation) {
                    return; // a reset came first
                }
                if (failure == null) {
                    complete(0);
                } else {
                    failIo();
                }
            }
        });
    }

    private void failIo() {
        tf.status = DRDY | DSC | ERR | DF;
        tf.error = ABRT;
        stats.errors().incrementAndGet();
        setIntrq(true);
    }

    // ---- PIO ----

    private void startPioIn(byte[] data) {
        buffer = data;
        bufferPos = 0;
        bufferEnd = data.length;
        writing = false;
        sectorsLeft = 0;
        tf.status = DRDY | DSC | DRQ;
        setIntrq(true);
    }

    private void startMultiple(AtaDrive d, long lba, long count, boolean write) {
        if (d.multiple == 0) {
            complete(ABRT);
            return;
        }
        startPio(d, lba, count, d.multiple, write);
    }

    private void startPio(AtaDrive d, long lba, long count, int perBlock, boolean write) {
        if (write && d.readOnly()) {
            complete(ABRT);
            return;
        }
        if (!d.inRange(lba, count)) {
            complete(IDNF);
            return;
        }
        nextLba = lba;
        sectorsLeft = count;
        blockSectors = perBlock;
        writing = write;
        if (buffer.length < perBlock * AtaDrive.SECTOR) {
            buffer = new byte[perBlock * AtaDrive.SECTOR];
        }
        if (write) {
            beginBlock();
            tf.status = DRDY | DSC | DRQ; // no interrupt before the first block of a PIO write
        } else {
            loadBlock(d);
        }
    }

    /** Makes the next block ready in the buffer (reads) or room for it (writes). */
    private void beginBlock() {
        int n = (int) Math.min(blockSectors, sectorsLeft);
        if (buffer.length < n * AtaDrive.SECTOR) {
            buffer = new byte[n * AtaDrive.SECTOR];
        }
        bufferPos = 0;
        bufferEnd = n * AtaDrive.SECTOR;
    }

    private void loadBlock(AtaDrive d) {
        beginBlock();
        try {
            d.read(nextLba, ByteBuffer.wrap(buffer, 0, bufferEnd));
        } catch (IOException e) {
            LOG.warn("{}: read at sector {} failed: {}", name, nextLba, e.toString());
            endDataPhase();
            tf.error = UNC;
            tf.status = DRDY | DSC | ERR;
            stats.errors().incrementAndGet();
            setIntrq(true);
            return;
        }
        tf.status = DRDY | DSC | DRQ;
        setIntrq(true);
    }

    private void endDataPhase() {
        bufferPos = bufferEnd = 0;
        sectorsLeft = 0;
        tf.status &= ~DRQ;
    }

    synchronized void readData(byte[] data) {
        if ((tf.status & DRQ) == 0 || writing || selected() == null) {
            java.util.Arrays.fill(data, (byte) 0xff);
            return;
        }
        int n = Math.min(data.length, bufferEnd - bufferPos);
        System.arraycopy(buffer, bufferPos, data, 0, n);
        java.util.Arrays.fill(data, n, data.length, (byte) 0xff);
        bufferPos += n;
        if (bufferPos < bufferEnd) {
            return;
        }
        long done = bufferEnd / AtaDrive.SECTOR;
        if (sectorsLeft == 0) { // IDENTIFY
            endDataPhase();
            return;
        }
        stats.pioSectors().addAndGet(done);
        nextLba += done;
        sectorsLeft -= done;
        if (sectorsLeft > 0) {
            loadBlock(selected());
        } else {
            endDataPhase();
            tf.status = DRDY | DSC;
        }
    }

    synchronized void writeData(byte[] data) {
        if ((tf.status & DRQ) == 0 || !writing || selected() == null) {
            return;
        }
        int n = Math.min(data.length, bufferEnd - bufferPos);
        System.arraycopy(data, 0, buffer, bufferPos, n);
        bufferPos += n;
        if (bufferPos < bufferEnd) {
            return;
        }
        try {
            selected().write(nextLba, ByteBuffer.wrap(buffer, 0, bufferEnd));
        } catch (IOException e) {
            LOG.warn("{}: write at sector {} failed: {}", name, nextLba, e.toString());
            endDataPhase();
            failIo();
            return;
        }
        long done = bufferEnd / AtaDrive.SECTOR;
        stats.pioSectors().addAndGet(done);
        nextLba += done;
        sectorsLeft -= done;
        if (sectorsLeft > 0) {
            beginBlock();
            tf.status = DRDY | DSC | DRQ;
        } else {
            endDataPhase();
            tf.status = DRDY | DSC;
        }
        setIntrq(true);
    }

    // ---- DMA ----

    private void startDma(AtaDrive d, long lba, long count, boolean toMemory) {
        if (!toMemory && d.readOnly()) {
            complete(ABRT);
            return;
        }
        if (!d.inRange(lba, count)) {
            complete(IDNF);
            return;
        }
        nextLba = lba;
        sectorsLeft = count;
        dmaToMemory = toMemory;
        dmaPending = true;
        tf.status = DRDY | DSC | DRQ | BSY;
        if ((bmCommand & 0x01) != 0) {
            runDma();
        }
    }

    /** Both the command and the bus master's start bit are there: move the data, then interrupt. */
    private void runDma() {
        dmaPending = false;
        AtaDrive d = selected();
        long sectors = sectorsLeft;
        long lba = nextLba;
        long table = prdTable & 0xFFFF_FFFCL;
        boolean toMemory = dmaToMemory;
        boolean enabled = mastering.getAsBoolean();
        sectorsLeft = 0;
        long command = generation;
        io.execute(() -> {
            String fault = null;
            IOException failure = null;
            try {
                if (!enabled) {
                    throw new PrdTransfer.Fault("bus mastering is off in the PCI command register");
                }
                PrdTransfer.run(memory, table, d, lba, sectors, toMemory);
                stats.dmaSectors().addAndGet(sectors);
            } catch (PrdTransfer.Fault e) {
                fault = e.getMessage();
            } catch (IOException e) {
                failure = e;
            }
            synchronized (this) {
                if (command != generation) {
                    return;
                }
                if (fault != null) {
                    if (loggedCommands.add(-1)) {
                        LOG.warn("{}: DMA aborted: {}", name, fault);
                    }
                    bmStatus = (bmStatus & ~0x01) | 0x02;
                    complete(ABRT);
                } else if (failure != null) {
                    LOG.warn("{}: DMA at sector {} failed: {}", name, lba, failure.toString());
                    bmStatus &= ~0x01;
                    failIo();
                } else {
                    bmStatus &= ~0x01;
                    complete(0);
                }
            }
        });
    }

    /** The bus-master registers of this channel: command at 0, status at 2, PRD table at 4-7. */
    synchronized int readBusMaster(int offset) {
        return switch (offset) {
            case 0 -> bmCommand;
            case 2 -> bmStatus;
            case 4, 5, 6, 7 -> (prdTable >>> (8 * (offset - 4))) & 0xff;
            default -> 0;
        };
    }

    synchronized void writeBusMaster(int offset, int value) {
        switch (offset) {
            case 0 -> {
                boolean start = (value & 0x01) != 0 && (bmCommand & 0x01) == 0;
                bmCommand = value & 0x09;
                if ((value & 0x01) == 0) {
                    bmStatus &= ~0x01;
                } else if (start) {
                    bmStatus |= 0x01;
                    if (dmaPending) {
                        runDma();
                    }
                }
            }
            case 2 -> bmStatus = (bmStatus & 0x01) | (bmStatus & ~value & 0x06) | (value & 0x60);
            case 4, 5, 6, 7 -> {
                int shift = 8 * (offset - 4);
                prdTable = (prdTable & ~(0xff << shift)) | ((value & 0xff) << shift);
            }
            default -> {
            }
        }
    }

    /** The guest-visible state (registers, a PIO data phase in progress, the drives' settings). */
    synchronized void save(java.io.DataOutputStream out) throws IOException {
        tf.save(out);
        for (int v : new int[] {bufferPos, bufferEnd, blockSectors, bmCommand, bmStatus, prdTable}) {
            out.writeInt(v);
        }
        out.writeBoolean(intrq);
        out.writeBoolean(writing);
        out.writeBoolean(dmaPending);
        out.writeBoolean(dmaToMemory);
        out.writeLong(nextLba);
        out.writeLong(sectorsLeft);
        out.write(buffer, 0, bufferEnd);
        for (AtaDrive d : drives) {
            out.writeBoolean(d != null);
            if (d != null) {
                out.writeInt(d.multiple);
                out.writeInt(d.transferMode);
            }
        }
    }

    /** Takes back {@link #save}'s state; the drives present must be the same. */
    synchronized void restore(java.io.DataInputStream in) throws IOException {
        TaskFile saved = new TaskFile();
        saved.restore(in);
        int pos = in.readInt();
        int end = in.readInt();
        int block = in.readInt();
        int[] bm = {in.readInt(), in.readInt(), in.readInt()};
        if (end < 0 || end > Identify.MAX_MULTIPLE * AtaDrive.SECTOR || pos < 0 || pos > end || block < 0
                || block > Identify.MAX_MULTIPLE) {
            throw new IllegalArgumentException(name + ": saved data phase " + pos + "/" + end + " bytes, blocks of "
                    + block + " sectors is impossible");
        }
        boolean savedIntrq = in.readBoolean();
        boolean savedWriting = in.readBoolean();
        boolean savedDmaPending = in.readBoolean();
        boolean savedDmaToMemory = in.readBoolean();
        long savedNextLba = in.readLong();
        long savedSectorsLeft = in.readLong();
        byte[] savedBuffer = new byte[Math.max(end, AtaDrive.SECTOR)];
        in.readFully(savedBuffer, 0, end);
        int[][] settings = new int[2][];
        for (int i = 0; i < 2; i++) {
            boolean present = in.readBoolean();
            if (present != (drives[i] != null)) {
                throw new IllegalArgumentException(name + ": the saved state has " + (present ? "a" : "no") + " disk as "
                        + (i == 0 ? "master" : "slave") + ", this machine " + (present ? "none" : "one"));
            }
            settings[i] = present ? new int[] {in.readInt(), in.readInt()} : null;
        }
        tf.restoreFrom(saved);
        bufferPos = pos;
        bufferEnd = end;
        blockSectors = block;
        bmCommand = bm[0];
        bmStatus = bm[1];
        prdTable = bm[2];
        writing = savedWriting;
        dmaPending = savedDmaPending;
        dmaToMemory = savedDmaToMemory;
        nextLba = savedNextLba;
        sectorsLeft = savedSectorsLeft;
        buffer = savedBuffer;
        for (int i = 0; i < 2; i++) {
            if (settings[i] != null) {
                drives[i].multiple = settings[i][0];
                drives[i].transferMode = settings[i][1];
            }
        }
        intrq = savedIntrq;
        generation++;
        updateIrq();
    }

    @Override
    public void close() throws IOException {
        try (AtaDrive master = drives[0]; AtaDrive slave = drives[1]) {
            // both closed, the first failure thrown with the other suppressed
        }
    }
}

package vmm.core.hypervisor.state;

/**
 * x87, MMX and SSE state as the 512-byte FXSAVE image (Intel SDM vol. 1, table 10-2): FCW,
 * FSW, abridged FTW, FOP, FIP/FDP, MXCSR, ST0-ST7 and XMM0-XMM15.
 */
public record FpuState(byte[] fxsave) {
    public static final int SIZE = 512;

    public FpuState {
        if (fxsave.length != SIZE) {
            throw new IllegalArgumentException("an FXSAVE image is 512 bytes, got " + fxsave.length);
        }
        fxsave = fxsave.clone();
    }

    @Override
    public byte[] fxsave() {
        return fxsave.clone();
    }
}

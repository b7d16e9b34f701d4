package vmm.kvm.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class KvmHypervisorTest {

    @Test
    void missingDeviceIsReportedWithCallAndErrno() {
        var status = new KvmHypervisor("/nonexistent/kvm").status();
        assertFalse(status.available());
        assertEquals("open /nonexistent/kvm: ENOENT (No such file or directory)", status.detail());
    }

    @Test
    void ioctlOnANonKvmFileNamesTheRequest() throws Exception {
        int fd = Libc.open("/dev/null", Libc.O_RDWR);
        try {
            var e = assertThrows(NativeCallException.class,
                    () -> Libc.ioctl(fd, "KVM_GET_API_VERSION", KvmHypervisor.KVM_GET_API_VERSION, 0));
            assertTrue(e.getMessage().startsWith("KVM_GET_API_VERSION: ENOTTY"), e.getMessage());
            assertEquals(25, e.errno());
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void realDeviceAnswersWhenPresent() {
        var status = new KvmHypervisor().status();
        if (Files.exists(Path.of(KvmHypervisor.DEVICE))) {
            assertTrue(status.available(), status.detail());
            assertEquals(12, status.apiVersion());
        } else {
            assertTrue(status.detail().contains("ENOENT"), status.detail());
        }
    }
}

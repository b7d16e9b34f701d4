package vmm.kvm.driver.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import vmm.kvm.driver.internal.abi.KvmIoctls;

class KvmHypervisorTest {

    @Test
    void missingDeviceIsReportedWithCallAndErrno() {
        var status = new KvmHypervisor("/nonexistent/kvm").status();
        assertFalse(status.available());
        assertEquals(-1, status.apiVersion());
        assertEquals("open /nonexistent/kvm: ENOENT (No such file or directory)", status.detail());
    }

    @Test
    void nonKvmDeviceIsReportedWithTheIoctl() {
        var status = new KvmHypervisor("/dev/null").status();
        assertFalse(status.available());
        assertEquals("KVM_GET_API_VERSION /dev/null: ENOTTY (Inappropriate ioctl for device)", status.detail());
    }

    @Test
    void ioctlOnANonKvmFileNamesTheRequest() throws Exception {
        int fd = Libc.open("/dev/null", Libc.O_RDWR);
        try {
            var e = assertThrows(NativeCallException.class,
                    () -> Libc.ioctl(fd, "KVM_GET_API_VERSION", KvmIoctls.KVM_GET_API_VERSION.number(), 0));
            assertTrue(e.getMessage().startsWith("KVM_GET_API_VERSION: ENOTTY"), e.getMessage());
            assertEquals(Errno.ENOTTY, e.errno());
        } finally {
            Libc.close(fd);
        }
    }

    @Test
    void realDeviceAnswersWhenPresent() {
        var status = new KvmHypervisor(KvmSystem.DEVICE).status();
        if (Files.exists(Path.of(KvmHypervisor.DEVICE))) {
            assertTrue(status.available(), status.detail());
            assertEquals(12, status.apiVersion());
        } else {
            assertEquals("open /dev/kvm: ENOENT (No such file or directory)", status.detail());
        }
    }
}

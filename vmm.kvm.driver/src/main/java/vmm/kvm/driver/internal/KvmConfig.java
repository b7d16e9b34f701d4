package vmm.kvm.driver.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the KVM accelerator (ConfigAdmin PID {@code vmm.kvm}). */
@ObjectClassDefinition(name = "vmm KVM accelerator", description = "Which KVM device node the VMM uses")
public @interface KvmConfig {

    @AttributeDefinition(name = "Device", description = "Path of the KVM device node (a container may map it elsewhere)")
    String device() default KvmSystem.DEVICE;
}

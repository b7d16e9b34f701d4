package vmm.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * The product's real bundles in a real Felix, checked from inside: everything resolves and
 * starts, every DS component is satisfied, and the shell's commands answer.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class FrameworkTest {

    @Inject
    private BundleContext context;

    @Inject
    private ServiceComponentRuntime scr;

    @Inject
    private CommandProcessor shell;

    @Configuration
    public Option[] config() throws IOException {
        Path state = Files.createTempDirectory("vmm-paxexam");
        List<Option> options = new ArrayList<>(List.of(
                cleanCaches(),
                systemProperty("org.ops4j.pax.url.mvn.repositories").value(""),
                systemProperty("org.ops4j.pax.url.mvn.defaultRepositories").value(
                        "file:" + System.getProperty("maven.repo.local",
                                System.getProperty("user.home") + "/.m2/repository") + "@id=local@snapshots"),
                systemProperty("org.ops4j.pax.url.mvn.localRepository").value(
                        System.getProperty("maven.repo.local", System.getProperty("user.home") + "/.m2/repository")),
                frameworkProperty("vmm.state.dir").value(state.toString()),
                frameworkProperty("felix.fileinstall.dir").value(state.resolve("deploy").toString()),
                frameworkProperty("gosh.args").value("--nointeractive --noshutdown"),
                junitBundles()));
        for (Path jar : Distribution.bundles()) {
            String name = jar.getFileName().toString();
            // SPI Fly must weave slf4j before anything logs: start it and ASM first.
            int level = name.startsWith("asm") || name.startsWith("org.apache.aries.spifly") ? 1
                    : name.startsWith("slf4j") ? 2 : 3;
            options.add(bundle(jar.toUri().toString()).startLevel(level));
        }
        return options.toArray(Option[]::new);
    }

    @Test
    public void everyBundleIsActive() {
        List<String> notActive = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            if (!fragment && b.getState() != Bundle.ACTIVE) {
                notActive.add(b.getSymbolicName() + " state " + b.getState());
            }
        }
        assertEquals("bundles not active", List.of(), notActive);
        for (String name : Arrays.asList("vmm.core", "vmm.kvm.driver", "vmm.x86.emu", "vmm.storage.raw", "vmm.storage.qcow2",
                "vmm.dev.virtio", "vmm.dev.ide", "vmm.net.bridge", "vmm.net.nat", "vmm.shell")) {
            assertTrue(name + " installed", Arrays.stream(context.getBundles())
                    .anyMatch(b -> name.equals(b.getSymbolicName())));
        }
    }

    @Test
    public void everyComponentIsSatisfied() {
        List<String> problems = new ArrayList<>();
        int vmmComponents = 0;
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            if (d.bundle.symbolicName.startsWith("vmm.")) {
                vmmComponents++;
            }
            if (!scr.isComponentEnabled(d)) {
                problems.add(d.name + " disabled");
                continue;
            }
            var configs = scr.getComponentConfigurationDTOs(d);
            if (configs.isEmpty() && !"require".equals(d.configurationPolicy)) {
                problems.add(d.name + " has no configuration");
            }
            for (ComponentConfigurationDTO c : configs) {
                if (c.state == ComponentConfigurationDTO.UNSATISFIED_REFERENCE
                        || c.state == ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION
                        || c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    problems.add(d.name + " state " + c.state + " " + c.failure);
                }
            }
        }
        assertEquals("components not satisfied", List.of(), problems);
        assertTrue("vmm components found: " + vmmComponents, vmmComponents >= 5);
    }

    @Test
    public void vmmCommandsAnswer() throws Exception {
        String formats = run("vmm:formats");
        assertTrue(formats, formats.lines().anyMatch(l -> l.startsWith("raw") && l.contains("vmm.storage.raw")));
        assertTrue(formats, formats.lines().anyMatch(l -> l.startsWith("qcow2") && l.contains("vmm.storage.qcow2")));
        String hv = run("vmm:hypervisor");
        assertTrue(hv, hv.startsWith("kvm"));
        assertTrue(hv, hv.contains("available") && hv.contains("/dev/kvm"));
    }

    @Inject
    private org.osgi.service.cm.ConfigurationAdmin configAdmin;

    @Inject
    private org.osgi.service.metatype.MetaTypeService metaType;

    @Test
    public void kvmDeviceIsConfigurableThroughConfigAdminAndMetatype() throws Exception {
        Bundle kvm = Arrays.stream(context.getBundles()).filter(b -> "vmm.kvm.driver".equals(b.getSymbolicName()))
                .findFirst().orElseThrow();
        var ocd = metaType.getMetaTypeInformation(kvm).getObjectClassDefinition("vmm.kvm", null);
        assertEquals("vmm KVM accelerator", ocd.getName());
        var config = configAdmin.getConfiguration("vmm.kvm", "?");
        var props = new java.util.Hashtable<String, Object>();
        props.put("device", "/nonexistent/kvm-from-config");
        config.update(props);
        try {
            String hv = "";
            for (int i = 0; i < 100 && !hv.contains("kvm-from-config"); i++) {
                Thread.sleep(50);
                hv = run("vmm:hypervisor");
            }
            assertTrue(hv, hv.contains("open /nonexistent/kvm-from-config: ENOENT"));
        } finally {
            config.delete();
        }
    }

    @Test
    public void imgCommandsWorkInsideTheFramework() throws Exception {
        Path image = Files.createTempDirectory("vmm-img").resolve("disk.qcow2");
        String created = run("img:create -f qcow2 -o cluster_size=65536 " + image + " 16M");
        assertTrue(created, created.contains("Formatting"));
        String info = run("img:info --output=json " + image);
        assertTrue(info, info.contains("\"virtual-size\": 16777216") && info.contains("\"format\": \"qcow2\""));
        String check = run("img:check " + image);
        assertTrue(check, check.contains("No errors were found on the image."));
        try {
            run("img:info " + image + ".missing");
            throw new AssertionError("a missing image must fail the command");
        } catch (Exception e) {
            assertTrue(e.getMessage(), e.getMessage().contains("exited with status 1"));
        }
    }

    private String run(String command) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
                CommandSession session = shell.createSession(System.in, ps, ps)) {
            session.execute(command);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}

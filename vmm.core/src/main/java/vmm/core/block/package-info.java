/**
 * Block layer SDK: the image API that device models use ({@link vmm.core.block.BlockImage})
 * and that each disk format bundle implements ({@link vmm.core.block.BlockFormat}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package vmm.core.block;

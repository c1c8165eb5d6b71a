internal import CLinux

/// The C allocator's policy for large blocks.
public enum Allocator {
    /// Training allocates and frees the same large activations at every step (a convolution's
    /// first output is 34 MB a batch). glibc gives blocks over 32 MB back to the kernel when
    /// freed, so every step paid page faults and zeroing for fresh pages: a sixth of a
    /// cnn-mel epoch. Called by the commands that train, so freed blocks of up to `bytes` stay
    /// in the process and are reused.
    public static func keepFreedBlocks(upTo bytes: Int = 1 << 30) {
        genrekit_keep_freed_blocks(Int32(clamping: bytes))
    }
}

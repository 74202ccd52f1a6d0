using System.Numerics;
using MMSpec.Conformance.Lockstep;

namespace MMSpec.Conformance.Slab;

/// <summary>
/// Rule names of the lockstep checks, and independent re-derivations of Linux facts used by them: they do not
/// call the model, so a bug shared by model and implementation still shows.
/// </summary>
public static class SlabRules
{
    public const string ModelPermits = SharedRules.ModelPermits;
    public const string UnchangedOnError = SharedRules.UnchangedOnError;
    public const string SnapshotsEqual = SharedRules.SameState;
    public const string ObjectInSlab = "object-in-slab-of-its-cache";
    public const string ObjectOverlap = "object-overlap";
    public const string OnlyLiveObjects = "only-live-objects-accepted";
    public const string FailsOnlyWhenExhausted = "alloc-fails-only-when-exhausted";
    public const string NewSlabOnlyWhenNeeded = "new-slab-only-when-needed";
    public const string ConstructorOnce = "constructor-once-per-object";
    public const string KmallocSizeClass = "kmalloc-size-class";
    public const string RestoresInitial = "free-all-and-shrink-restores-initial";

    // mm/slab_common.c kmalloc_size_index[24], indexed by (size - 1) / 8; 1 is kmalloc-96, 2 kmalloc-192, n >= 3
    // kmalloc-2^n.
    private static readonly int[] LinuxSizeIndex =
        [3, 4, 5, 5, 6, 6, 6, 6, 1, 1, 1, 1, 7, 7, 7, 7, 2, 2, 2, 2, 2, 2, 2, 2];

    // kmalloc_info[].name for KMALLOC_NORMAL, by kmalloc index 1..13.
    private static readonly string[] LinuxNames =
        ["", "kmalloc-96", "kmalloc-192", "kmalloc-8", "kmalloc-16", "kmalloc-32", "kmalloc-64", "kmalloc-128",
         "kmalloc-256", "kmalloc-512", "kmalloc-1k", "kmalloc-2k", "kmalloc-4k", "kmalloc-8k"];

    /// <summary>kmalloc_slab on Linux: the name of the cache kmalloc(size) uses, for 1..8192 bytes.</summary>
    public static string LinuxKmallocCache(ulong size) =>
        LinuxNames[size <= 192
            ? LinuxSizeIndex[(size - 1) / 8]
            : 32 - BitOperations.LeadingZeroCount((uint)(size - 1))];
}

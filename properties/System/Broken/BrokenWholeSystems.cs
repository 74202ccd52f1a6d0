using MMSpec.Model.Reclaim;

namespace MMSpec.Properties.MemorySystem.Broken;

/// <summary>
/// A shmem object's swapped-out pages keep their slots when the object goes (its last mapping unmapped, as at the
/// exit of the process that held it): shmem_free_swap returning without putting the entries, the leak Kairui
/// Song's 2026 fix of shmem_free_swap (Fixes: 809bc86517cc, "mm: shmem: support large folio swap out") closed,
/// "random swapoff hangs and swap entry leaks when stress testing ZSWAP with shmem".
/// </summary>
public sealed class ShmemSwapLeaksOnRelease(ReclaimConfig config) : ReclaimModel(config)
{
    protected override void ShmemFreeSwap(SwapEntry entry)
    {
    }
}

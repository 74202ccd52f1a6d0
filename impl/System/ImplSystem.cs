using MMSpec.Impl.Oom;
using MMSpec.Impl.Reclaim;
using MMSpec.Impl.Slab;
using MMSpec.Model.MemorySystem;

namespace MMSpec.Impl.MemorySystem;

/// <summary>
/// The whole system of MMSpec's implementations: the reclaim system, the pid bitmap, the watermark table, the slow
/// path's state machine, the one-pass OOM killer and SLUB's slab allocator, composed by the system contract's
/// <see cref="MemorySystem"/>.
/// </summary>
public static class ImplSystem
{
    public static SystemParts Parts(SystemConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new(new ReclaimSystem(config.Reclaim), new TaskTable(config.Tasks), new ZoneWatermarkTable(),
            new SlowPath(), new OomKiller(), pages => new SlabAllocator(pages));
    }

    public static Model.MemorySystem.MemorySystem Create(SystemConfig config) => new(config, Parts(config));
}

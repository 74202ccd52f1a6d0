using MMSpec.Impl.Buddy;
using MMSpec.Impl.Paging;
using MMSpec.Impl.Tlb;
using MMSpec.Model.Buddy;
using MMSpec.Model.Paging;
using MMSpec.Model.Tlb;
using Xunit.Abstractions;

namespace MMSpec.Properties.Tlb;

/// <summary>
/// The TLB properties, for every format with and without PCIDs: the implementation's machine (set-associative TLBs
/// on the fast paging system) against the reference machine (every access walks the paging model). Exactly the
/// conformance kit's TlbExactSpecification, as an outside user runs it; the caches and the paging system are watched so
/// the lockstep reads again only what a step could change.
/// </summary>
public abstract class TlbImplProperties(ITestOutputHelper output) : TlbExactSpecification(output)
{
    protected override IMachine Create(PagingFormat format, MemoryLayout layout, MachineConfig config) =>
        Watched(new PagingSystem(format, new BuddyAllocator(layout)), config);

    /// <summary>The implementation's machine on <paramref name="paging"/>, its paging and TLBs watched.</summary>
    public static Machine Watched(IPagingSystem paging, MachineConfig config) =>
        new(new WatchedPaging(paging), config,
            WatchedTlb.Around(_ => new SetAssociativeTlb(config.Sets, config.Ways, config.PdeEntries)));
}

/// <summary>2-level paging, no PCIDs.</summary>
public sealed class TlbTwoLevelProperties(ITestOutputHelper output) : TlbImplProperties(output)
{
    protected override PagingFormat Format => PagingFormat.TwoLevel;

    protected override bool Pcid => false;
}

/// <summary>2-level paging with PCIDs.</summary>
public sealed class TlbTwoLevelPcidProperties(ITestOutputHelper output) : TlbImplProperties(output)
{
    protected override PagingFormat Format => PagingFormat.TwoLevel;
}

/// <summary>4-level paging, no PCIDs.</summary>
public sealed class TlbFourLevelProperties(ITestOutputHelper output) : TlbImplProperties(output)
{
    protected override bool Pcid => false;
}

/// <summary>4-level paging with PCIDs.</summary>
public sealed class TlbFourLevelPcidProperties(ITestOutputHelper output) : TlbImplProperties(output);

/// <summary>5-level paging, no PCIDs.</summary>
public sealed class TlbFiveLevelProperties(ITestOutputHelper output) : TlbImplProperties(output)
{
    protected override PagingFormat Format => PagingFormat.FiveLevel;

    protected override bool Pcid => false;
}

/// <summary>5-level paging with PCIDs.</summary>
public sealed class TlbFiveLevelPcidProperties(ITestOutputHelper output) : TlbImplProperties(output)
{
    protected override PagingFormat Format => PagingFormat.FiveLevel;
}

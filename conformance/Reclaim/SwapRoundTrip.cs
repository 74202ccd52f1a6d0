using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Paging;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;

namespace MMSpec.Conformance.Reclaim;

/// <summary>
/// One mapping of a swap round trip: its address space (by index), shmem or private anonymous, its pages.
/// </summary>
public sealed record RoundTripMapping(int Mm, bool Shmem, ulong Pages)
{
    public override string ToString() => $"mm{Mm} {(Shmem ? "shmem" : "anon")} x{Pages}";
}

/// <summary>
/// The live rule swap-round-trip (docs/reclaim.md): on a fresh machine, address spaces with private anonymous and
/// shmem mappings, every page written through one CPU; swap areas with room for every page; every page paged out
/// (MADV_PAGEOUT); then everything brought back, by swapoff of every area or by a read fault on every page through
/// another CPU. Every word reads back as written, no slot stays in use, and the free areas are block for block
/// those before the swap-out: with lowest-address placement the pages come back to the frames they left.
/// </summary>
/// <param name="Cpus">CPUs of the machine; the writes go through CPU 0, the reads through the last.</param>
/// <param name="Mappings">The mappings, in the order they are made and written.</param>
/// <param name="Slack">One entry per swap area: the slots it has beyond its share of the pages.</param>
/// <param name="BySwapoff">Whether swapoff brings the pages back, or read faults do.</param>
public sealed record SwapRoundTrip(int Cpus, ImmutableArray<RoundTripMapping> Mappings, ImmutableArray<ulong> Slack,
    bool BySwapoff)
{
    /// <summary>Frames beyond the pages: room above every watermark of the machine.</summary>
    public const ulong Headroom = 512;

    public ulong Pages => (ulong)Mappings.Sum(m => (long)m.Pages);

    public ReclaimConfig Config => new(Pages + Headroom, Cpus, 1, 8);

    /// <summary>Slots of each area, the header included: its share of the pages, its slack, the header.</summary>
    public IEnumerable<ulong> AreaSlots =>
        Slack.Select(s => ((Pages + (ulong)Slack.Length - 1) / (ulong)Slack.Length) + s + 1);

    public override string ToString() =>
        $"{Config}; {string.Join(", ", Mappings)}; swap areas of {string.Join(", ", AreaSlots)} slots; back by "
        + (BySwapoff ? "swapoff" : "read faults");

    public static Arbitrary<SwapRoundTrip> Arbitrary() => MutationProfile.Arbitrary(Generator(), Shrink);

    public static Gen<SwapRoundTrip> Generator() =>
        from cpus in Gen.Choose(1, 3)
        from spaces in Gen.Choose(1, 3)
        from count in Gen.Choose(1, 6)
        from mappings in Gen.ListOf(
            from mm in Gen.Choose(0, spaces - 1)
            from shmem in Gen.Frequency((3, Gen.Constant(false)),
                (1, Gen.Constant(true)))
            from pages in Gen.Choose(1, 64)
            select new RoundTripMapping(mm, shmem, (ulong)pages), count)
        from areas in Gen.Choose(1, 3)
        from slack in Gen.ListOf(Gen.Choose(0, 8).Select(s => (ulong)s), areas)
        from bySwapoff in Gen.Elements(true, false)
        select new SwapRoundTrip(cpus, [.. mappings], [.. slack], bySwapoff);

    /// <summary>Smaller round trips: a mapping fewer, a mapping half as long, an area fewer, one CPU.</summary>
    public static IEnumerable<SwapRoundTrip> Shrink(SwapRoundTrip trip)
    {
        for (var i = 0; i < trip.Mappings.Length && trip.Mappings.Length > 1; i++)
        {
            yield return trip with { Mappings = trip.Mappings.RemoveAt(i) };
        }

        for (var i = 0; i < trip.Mappings.Length; i++)
        {
            if (trip.Mappings[i].Pages > 1)
            {
                yield return trip with
                {
                    Mappings = trip.Mappings.SetItem(i, trip.Mappings[i] with { Pages = trip.Mappings[i].Pages / 2 }),
                };
            }
        }

        if (trip.Slack.Length > 1)
        {
            yield return trip with { Slack = trip.Slack.RemoveAt(trip.Slack.Length - 1) };
        }

        if (trip.Cpus > 1)
        {
            yield return trip with { Cpus = 1 };
        }
    }

    /// <summary>The round trip on a fresh system <paramref name="create"/> makes: null, or what went wrong.</summary>
    public string? Run(Func<ReclaimConfig, IReclaimSystem> create)
    {
        var system = create(Config);
        var mms = Enumerable.Range(0, Mappings.Max(m => m.Mm) + 1).Select(_ => system.CreateMm().Value).ToArray();
        var starts = new List<VirtAddr>();
        foreach (var mapping in Mappings)
        {
            var start = system.Mmap(mms[mapping.Mm], mapping.Shmem ? MapKind.Shmem : MapKind.Anon, 0, mapping.Pages);
            if (!start.IsOk)
            {
                return $"mmap of {mapping} failed: {start.Error}";
            }

            starts.Add(start.Value);
        }

        foreach (var slots in AreaSlots)
        {
            if (system.Swapon(slots, null).Error is { } refused)
            {
                return $"swapon of {slots} slots failed: {refused}";
            }
        }

        return Each(mms, starts, (mm, addr, word) => system.Access(mm, new CpuId(0), addr, true, word).Error is { } e
                ? $"writing {addr} of {mm} failed: {e}" : null)
            ?? OutAndBack(system, mms, starts);
    }

    private string? OutAndBack(IReclaimSystem system, AsId[] mms, List<VirtAddr> starts)
    {
        var before = system.Snapshot().Pages;
        var failure = Each(mms, starts, (mm, addr, _) => system.PageOut(mm, addr) is var freed
            && freed is { IsOk: true, Value: 1UL } ? null
            : $"page_out({mm}, {addr}) = {freed}: a page mapped once, unpinned, in memory, with a free swap slot, goes"
                + " to swap");
        if (failure is not null)
        {
            return failure;
        }

        // An anonymous page leaves a swap entry in its PTE (VmSwap); a shmem page's entry is in the shmem mapping.
        var swapped = system.Snapshot();
        var (anon, shmem) = ((long)Mappings.Where(m => !m.Shmem).Sum(m => (long)m.Pages),
            Mappings.Where(m => m.Shmem).Sum(m => (long)m.Pages));
        if (swapped.Mms.Sum(m => m.VmSwap) != anon || swapped.ShmemSwap.Length != shmem)
        {
            return $"after paging out every page: {swapped.Mms.Sum(m => m.VmSwap)} anonymous swap entries (VmSwap) and"
                + $" {swapped.ShmemSwap.Length} shmem ones, not {anon} and {shmem}";
        }

        var cpu = new CpuId(Cpus - 1);
        if (BySwapoff)
        {
            failure = swapped.Swap.Select(a => system.Swapoff(a.Type).Error is { } e ? $"swapoff({a.Type}): {e}" : null)
                .FirstOrDefault(f => f is not null);
        }

        failure ??= Each(mms, starts, (mm, addr, word) => system.Access(mm, cpu, addr, false, 0) is var read
            && read is { IsOk: true } && read.Value == word ? null
            : $"reading {addr} of {mm} back through {cpu} gave {read}; 0x{word:x} was written");
        var after = system.Snapshot();
        return failure
            ?? (after.Swap.FirstOrDefault(a => a.InUse > 0) is { } busy
                ? $"{busy.Type} still has {busy.InUse} slots in use after every page came back" : null)
            ?? (after.Pages.SameBlocks(before) ? null
                : $"the free areas differ from those before the swap-out: {after.Pages.DiffFrom(before)}");
    }

    /// <summary>Calls <paramref name="visit"/> on every page, with the word written there; the first failure.</summary>
    private string? Each(AsId[] mms, List<VirtAddr> starts, Func<AsId, VirtAddr, ulong, string?> visit)
    {
        for (var i = 0; i < Mappings.Length; i++)
        {
            var mapping = i;
            if (PageWalk.FirstFailure(starts[i], Mappings[i].Pages, (addr, page) =>
                visit(mms[Mappings[mapping].Mm], addr, (0xA5UL << 56) | ((ulong)mapping << 32) | (page + 1))) is { } f)
            {
                return f;
            }
        }

        return null;
    }
}

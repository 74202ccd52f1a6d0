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
/// The live rule compaction-makes-the-block (docs/reclaim.md): a machine of four pageblocks, its first
/// <paramref name="FileWords"/> frames page-cache pages of the file written by pwrite, the rest filled with written
/// mappings of 2^<paramref name="HoleOrder"/> pages, anonymous or (<paramref name="Shmem"/>) shmem (and
/// <paramref name="KernelPages"/> unmovable kernel pages just above the first pageblock, in the way of the free
/// scanner), then two mappings of every three unmapped:
/// holes smaller than the block, so no free block of <paramref name="Order"/> is left, then compact_zone for
/// <paramref name="Order"/>, which must migrate to make one. The state is one where Linux 6.18's compaction must
/// succeed: the first pageblock holds only movable folios and free pages, the pageblocks above have free targets
/// for all of them, compaction_suitable passes (free pages above the watermark plus compact_gap, a fragmentation
/// index above 500: holes at least 8 times smaller than the block for orders above 3). Compaction returns SUCCESS,
/// the zone has a free block of the order, and every word reads back as written, the file's too.
/// </summary>
public sealed record CompactionBlock(int Order, int HoleOrder, int KernelPages, int FileWords, bool Shmem)
{
    /// <summary>Four pageblocks: compaction moves nothing with fewer than three.</summary>
    public static readonly ReclaimConfig Machine = new(4 * ReclaimConfig.PageblockPages, 1, 1, 8);

    public override string ToString() =>
        $"{Machine}: {FileWords} file pages written, {(Shmem ? "shmem" : "anonymous")} mappings of {1 << HoleOrder}"
        + $" pages, {KernelPages} kernel pages above the first pageblock, two mappings of three unmapped, then"
        + $" compact_zone(Normal, order={Order})";

    public static Arbitrary<CompactionBlock> Arbitrary() => MutationProfile.Arbitrary(Generator(), Shrink);

    public static Gen<CompactionBlock> Generator() =>
        from order in Gen.Choose(2, 9)
        from hole in Gen.Choose(0, MaxHoleOrder(order))
        from kernel in Gen.Choose(0, 3)
        from files in Gen.Choose(0, (int)Machine.FilePages)
        from shmem in Gen.Elements(false, true)
        select new CompactionBlock(order, hole, kernel, files, shmem);

    /// <summary>
    /// The largest mappings for <paramref name="order"/>: a hole of two of them (with the tail left over, under three)
    /// is smaller than the block, so compaction has something to move; above order 3, at least 8 times smaller, so
    /// the fragmentation index passes 500.
    /// </summary>
    private static int MaxHoleOrder(int order) => order > 3 ? order - 3 : order - 2;

    /// <summary>
    /// Simpler: anonymous mappings, no file pages, no kernel pages, single-page mappings, a smaller order.
    /// </summary>
    public static IEnumerable<CompactionBlock> Shrink(CompactionBlock c)
    {
        if (c.Shmem)
        {
            yield return c with { Shmem = false };
        }

        if (c.FileWords > 0)
        {
            yield return c with { FileWords = 0 };
        }

        if (c.KernelPages > 0)
        {
            yield return c with { KernelPages = 0 };
        }

        if (c.HoleOrder > 0)
        {
            yield return c with { HoleOrder = 0 };
        }

        if (c.Order > 2)
        {
            yield return c with { Order = c.Order - 1, HoleOrder = Math.Min(c.HoleOrder, MaxHoleOrder(c.Order - 1)) };
        }
    }

    /// <summary>The compaction on a fresh system <paramref name="create"/> makes: null, or what went wrong.</summary>
    public string? Run(Func<ReclaimConfig, IReclaimSystem> create) => Run(create, out _, out _);

    /// <summary>
    /// The rule same-state-as-model on this scenario: the system under test and the model through the same
    /// scenario, the same compact_zone result (its scanners' last pfns among it) and the same state after it.
    /// </summary>
    public string? RunAgainstModel(Func<ReclaimConfig, IReclaimSystem> create)
    {
        if (Run(create, out var system, out var run) is { } failure)
        {
            return failure;
        }

        Run(config => new ReclaimModel(config), out var model, out var expected);
        return !Equals(run, expected) ? $"compact_zone(Normal, order={Order}) = {run}; the model returns {expected}"
            : system.Snapshot().DiffFrom(model.Snapshot()) is { } diff
                ? $"after compaction and the reads, implementation vs model: {diff}"
                : null;
    }

    private string? Run(Func<ReclaimConfig, IReclaimSystem> create, out IReclaimSystem created,
        out Result<CompactionRun>? result)
    {
        result = null;
        var system = create(Machine);
        created = system;
        var mm = system.CreateMm().Value;
        var pages = 1UL << HoleOrder;
        var mapped = new List<VirtAddr>();
        for (var pgoff = 0; pgoff < FileWords; pgoff++)
        {
            if (system.WriteFile(0, (ulong)pgoff, FileWord(pgoff)).Error is { } e)
            {
                return $"pwrite of file page {pgoff} failed: {e}";
            }
        }

        for (var used = (ulong)FileWords; used + pages <= Machine.Frames - (ulong)KernelPages; used += pages)
        {
            if (used == ReclaimConfig.PageblockPages && Kernel(system) is { } refused)
            {
                return refused;
            }

            var start = system.Mmap(mm, Shmem ? MapKind.Shmem : MapKind.Anon, 0, pages);
            if (!start.IsOk || Write(system, mm, start.Value, pages) is not null)
            {
                return $"filling the machine failed at mapping {mapped.Count}: {start}";
            }

            mapped.Add(start.Value);
        }

        // Unmapped only once the machine is full, so that no mapping reuses the frames of another.
        var kept = mapped.Where((_, index) => index % 3 == 0).ToList();
        foreach (var start in mapped.Where((_, index) => index % 3 != 0))
        {
            if (system.Munmap(mm, start).Error is { } e)
            {
                return $"munmap of {start} failed: {e}";
            }
        }

        var before = system.Snapshot();
        Require(before.Pages.FreePages >= ZoneWatermarks.For(Machine.Frames).Low + (2UL << Order),
            "compaction_suitable's watermark holds");
        Require(before.Pages.Free.All(b => b.Order.Value < Order), $"no free block of order {Order} before compaction");
        var run = system.Compact(ZoneType.Normal, Order);
        result = run;
        var free = system.Snapshot().Pages.Free;
        return run is not { IsOk: true, Value.Result: CompactResult.Success }
            ? $"compact_zone(Normal, order={Order}) = {run}; it must succeed here"
            : !free.Any(b => b.Order.Value >= Order)
                ? $"compaction reported success, but no free block of order {Order} or more is left"
                : kept.Select(start => Read(system, mm, start, pages)).FirstOrDefault(f => f is not null)
                    ?? ReadFile(system);
    }

    /// <summary>The word pwrite puts in file page <paramref name="pgoff"/>.</summary>
    private static ulong FileWord(int pgoff) => (0xF1UL << 56) + (uint)pgoff;

    private string? ReadFile(IReclaimSystem system) =>
        Enumerable.Range(0, FileWords).Select(pgoff => system.ReadFile(0, (ulong)pgoff) is var read && read.IsOk
            && read.Value == FileWord(pgoff) ? null
            : $"after compaction file page {pgoff} read {read}; 0x{FileWord(pgoff):x} was written")
            .FirstOrDefault(f => f is not null);

    private string? Kernel(IReclaimSystem system)
    {
        for (var i = 0; i < KernelPages; i++)
        {
            if (system.KernelAlloc(new Order(0)).Error is { } e)
            {
                return $"kernel_alloc failed: {e}";
            }
        }

        return null;
    }

    /// <summary>The word written to a page: its page number, tagged.</summary>
    private static ulong Word(VirtAddr addr) => (0xC0UL << 56) | (addr.Value >> Pfn.PageShift);

    private static string? Write(IReclaimSystem system, AsId mm, VirtAddr start, ulong pages) =>
        PageWalk.FirstFailure(start, pages, (addr, _) =>
            system.Access(mm, new CpuId(0), addr, true, Word(addr)).Error?.ToString());

    private static string? Read(IReclaimSystem system, AsId mm, VirtAddr start, ulong pages) =>
        PageWalk.FirstFailure(start, pages, (addr, _) => system.Access(mm, new CpuId(0), addr, false, 0) is var read
            && read.IsOk && read.Value == Word(addr) ? null
            : $"after compaction {addr} read {(read.IsOk ? $"0x{read.Value:x}" : read.ToString())}; "
                + $"0x{Word(addr):x} was written");

    private static void Require(bool holds, string what)
    {
        if (!holds)
        {
            throw new InvalidOperationException($"the compaction scenario is not what it claims: {what}");
        }
    }
}

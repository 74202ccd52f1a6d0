using MMSpec.Model.Buddy;
using MMSpec.Model.Core;
using MMSpec.Model.Reclaim;
using MMSpec.Model.Tlb;
using Xunit;

namespace MMSpec.Properties.Reclaim;

/// <summary>
/// compact_zone over free-page layouts the generated campaign seldom builds, on both sides: the scanners' edges at a
/// zone that ends inside a pageblock, pinned folios the migrate scanner must skip, unmovable kernel pages among the
/// movable ones, free targets that run out, and orders from 1 to a whole pageblock. The machine is filled with
/// one-page anonymous mappings (mapping i on frame i, <see cref="CompactionPathTests.Filled"/>), the layout's frames
/// are freed, and both sides must return the same run (result and both scanners' pfns) and leave the same state,
/// every word still readable.
/// </summary>
public sealed class CompactionLayoutTests
{
    private static readonly CpuId Cpu0 = new(0);

    private const ulong Block = ReclaimConfig.PageblockPages;

    /// <summary>A layout: the frames, the mappings unmapped, the ones pinned, kernel pages taken after.</summary>
    private sealed record Layout(ulong Frames, Func<int, bool> Unmapped, Func<int, bool> Pinned, int KernelPages);

    private static Layout Of(string name) => name switch
    {
        "every third of blocks 1 and 3" => new(4 * Block, i => i % 3 == 0 && (i / 512) % 2 == 1, _ => false, 0),
        "a zone ending inside its last block" => new((4 * Block) - 100, i => i >= 1536 && i % 4 == 1, _ => false, 0),
        "odd frames of the top half, block 0 pinned" =>
            new(4 * Block, i => i >= 1024 && i % 2 == 1, i => i < 512 && i % 16 == 0, 0),
        "few targets" => new(4 * Block, i => i >= 1536 && i < 1536 + 400 && i % 4 == 0, _ => false, 0),
        "kernel pages among the movable ones" =>
            new(4 * Block, i => (i < 64 && i % 2 == 0) || (i >= 1024 && i % 3 != 0), _ => false, 16),
        "a last block of 20 frames" => new((3 * Block) + 20, i => i >= 1024 && i % 2 == 0, _ => false, 0),
        "every mapped page pinned" => new(4 * Block, i => i >= 1536 && i % 2 == 1, _ => true, 0),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such layout"),
    };

    [Theory]
    [InlineData("every third of blocks 1 and 3", 3)]
    [InlineData("every third of blocks 1 and 3", 1)]
    [InlineData("a zone ending inside its last block", 2)]
    [InlineData("odd frames of the top half, block 0 pinned", 9)]
    [InlineData("odd frames of the top half, block 0 pinned", 4)]
    [InlineData("few targets", 5)]
    [InlineData("kernel pages among the movable ones", 3)]
    [InlineData("a last block of 20 frames", 6)]
    [InlineData("every mapped page pinned", 3)]
    public void Both_sides_compact_the_layout_alike(string name, int order)
    {
        var layout = Of(name);
        var machine = new ReclaimConfig(layout.Frames, 2, 1, 4);
        var runs = ReclaimSides.Names.Select(side =>
        {
            var (system, mm, pages) = CompactionPathTests.Filled(side, machine);
            CompactionPathTests.Unmap(system, mm, pages, layout.Unmapped);
            for (var i = 0; i < pages.Count; i++)
            {
                Assert.True(!layout.Pinned(i) || layout.Unmapped(i) || system.Pin(mm, pages[i]).IsOk);
            }

            for (var k = 0; k < layout.KernelPages; k++)
            {
                Assert.True(system.KernelAlloc(new Order(0)).IsOk);
            }

            var run = system.Compact(ZoneType.Normal, order).Value;
            CompactionPathTests.ReadsBack(system, mm, pages, i => !layout.Unmapped(i));
            return (Run: run, State: system.Snapshot());
        }).ToList();
        Assert.Equal(runs[0].Run, runs[1].Run);
        Assert.True(runs[1].State.SameAs(runs[0].State), runs[1].State.DiffFrom(runs[0].State));
    }
}

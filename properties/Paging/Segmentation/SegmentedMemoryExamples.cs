using MMSpec.Model.Core;
using MMSpec.Model.Paging.Segmentation;
using Xunit;

namespace MMSpec.Properties.Paging.Segmentation;

/// <summary>Seed 001's fragmentation story under pure segmentation, step by step, and bad input.</summary>
public sealed class SegmentedMemoryExamples
{
    private const ulong MiB = 1UL << 20;

    private static SegmentedMemory SeedMemory()
    {
        var memory = new SegmentedMemory(1024 * MiB);
        Assert.Equal(0UL, memory.Load("game", 512 * MiB).Value);
        Assert.Equal(512 * MiB, memory.Load("browser", 128 * MiB).Value);
        Assert.Equal(640 * MiB, memory.Load("music", 256 * MiB).Value);
        return memory;
    }

    [Fact]
    public void Swapping_music_out_and_in_closes_the_gap_so_a_200_mib_program_fits()
    {
        var memory = SeedMemory();
        Assert.True(memory.Exit("browser").IsOk);
        Assert.Equal([new Region(512 * MiB, 128 * MiB), new Region(896 * MiB, 128 * MiB)], memory.Holes);

        Assert.Equal(new NoContiguousHole("editor", 200 * MiB, 128 * MiB, 256 * MiB),
            memory.Load("editor", 200 * MiB).Error);

        Assert.True(memory.SwapOut("music").IsOk);
        Assert.Equal(256 * MiB, memory.Swapped["music"]);
        Assert.Equal(512 * MiB, memory.SwapIn("music").Value);
        Assert.Equal([new Region(768 * MiB, 256 * MiB)], memory.Holes);

        Assert.Equal(768 * MiB, memory.Load("editor", 200 * MiB).Value);
        Assert.Equal(
            new Dictionary<string, Region>
            {
                ["game"] = new(0, 512 * MiB),
                ["music"] = new(512 * MiB, 256 * MiB),
                ["editor"] = new(768 * MiB, 200 * MiB),
            },
            memory.Programs);
        Assert.Equal(56 * MiB, memory.TotalFree);
    }

    [Fact]
    public void Memory_map_prints_programs_and_holes_by_address()
    {
        var memory = SeedMemory();
        Assert.True(memory.Exit("browser").IsOk);
        Assert.True(memory.SwapOut("music").IsOk);
        Assert.Equal(
            """
            segmented memory of 1 GiB: 512 MiB free, largest hole 512 MiB
            [0x0, 0x20000000) game 512 MiB
            [0x20000000, 0x40000000) hole 512 MiB
            swapped out: music 256 MiB
            """.ReplaceLineEndings("\n"),
            memory.ToString());
        Assert.Equal("NoContiguousHole: editor needs 600 MiB contiguous; largest hole 512 MiB, 512 MiB free in total",
            memory.Load("editor", 600 * MiB).Error!.ToString());
    }

    [Fact]
    public void Memory_map_lists_swapped_programs_by_name_and_only_when_there_are_some()
    {
        var memory = new SegmentedMemory(4096);
        Assert.Equal(0UL, memory.Load("b", 2048).Value);
        Assert.Equal(2048UL, memory.Load("a", 1000).Value);
        Assert.Equal(
            """
            segmented memory of 4 KiB: 1048 B free, largest hole 1048 B
            [0x0, 0x800) b 2 KiB
            [0x800, 0xbe8) a 1000 B
            [0xbe8, 0x1000) hole 1048 B
            """.ReplaceLineEndings("\n"),
            memory.ToString());
        Assert.True(memory.SwapOut("b").IsOk);
        Assert.True(memory.SwapOut("a").IsOk);
        Assert.Equal(
            """
            segmented memory of 4 KiB: 4 KiB free, largest hole 4 KiB
            [0x0, 0x1000) hole 4 KiB
            swapped out: a 1000 B, b 2 KiB
            """.ReplaceLineEndings("\n"),
            memory.ToString());
    }

    [Fact]
    public void A_swapped_program_that_does_not_fit_stays_swapped()
    {
        var memory = SeedMemory();
        Assert.True(memory.SwapOut("music").IsOk);
        Assert.Equal(640 * MiB, memory.Load("video", 384 * MiB).Value);
        Assert.Equal(new NoContiguousHole("music", 256 * MiB, 0, 0), memory.SwapIn("music").Error);
        Assert.True(memory.Exit("music").IsOk);
        Assert.Empty(memory.Swapped);
    }

    public static TheoryData<string, Func<SegmentedMemory, MmError?>, MmError> BadInput => new()
    {
        { "zero size", m => m.Load("tiny", 0).Error, new ZeroSizeProgram("tiny") },
        { "duplicate resident", m => m.Load("game", MiB).Error, new DuplicateProgram("game") },
        { "duplicate swapped", m => m.Load("music", MiB).Error, new DuplicateProgram("music") },
        { "exit unknown", m => m.Exit("editor").Error, new UnknownProgram("editor") },
        { "swap out unknown", m => m.SwapOut("editor").Error, new UnknownProgram("editor") },
        { "swap out swapped", m => m.SwapOut("music").Error, new ProgramNotResident("music") },
        { "swap in unknown", m => m.SwapIn("editor").Error, new UnknownProgram("editor") },
        { "swap in resident", m => m.SwapIn("game").Error, new ProgramNotSwapped("game") },
        { "larger than memory", m => m.Load("huge", 2048 * MiB).Error,
            new NoContiguousHole("huge", 2048 * MiB, 384 * MiB, 384 * MiB) },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Bad_input_gets_its_typed_error_and_changes_nothing(string what, Func<SegmentedMemory, MmError?> call,
        MmError expected)
    {
        var memory = SeedMemory();
        Assert.True(memory.SwapOut("music").IsOk);
        var before = memory.ToString();
        Assert.True(expected == call(memory), what);
        Assert.Equal(before, memory.ToString());
    }

    [Fact]
    public void Errors_name_the_program()
    {
        var memory = SeedMemory();
        Assert.True(memory.SwapOut("music").IsOk);
        Assert.Equal("ZeroSizeProgram: tiny: a program of size 0 has no segment", $"{memory.Load("tiny", 0).Error}");
        Assert.Equal("DuplicateProgram: music is already loaded or swapped out", $"{memory.Load("music", MiB).Error}");
        Assert.Equal("UnknownProgram: no program editor", $"{memory.Exit("editor").Error}");
        Assert.Equal("ProgramNotResident: music is swapped out, not in memory", $"{memory.SwapOut("music").Error}");
        Assert.Equal("ProgramNotSwapped: game is in memory, not swapped out", $"{memory.SwapIn("game").Error}");
    }

    [Fact]
    public void A_null_name_is_refused_by_every_call_as_the_name_argument()
    {
        var memory = SeedMemory();
        Assert.Throws<ArgumentNullException>("name", () => memory.Load(null!, 0));
        Assert.Throws<ArgumentNullException>("name", () => memory.Exit(null!));
        Assert.Throws<ArgumentNullException>("name", () => memory.SwapOut(null!));
        Assert.Throws<ArgumentNullException>("name", () => memory.SwapIn(null!));
    }
}

using MMSpec.Model.Core;
using MMSpec.Model.Paging.Segmentation;
using Xunit;

namespace MMSpec.Properties.Paging.Segmentation;

/// <summary>Logical to linear translation: the seed's worked example and one case per fault.</summary>
public sealed class SegmentTranslationExamples
{
    private const ulong Limit = 999;

    private static readonly PrivilegeLevel Kernel = PrivilegeLevel.Kernel;
    private static readonly PrivilegeLevel User = PrivilegeLevel.User;

    /// <summary>
    /// Seed 001: segment 3 at base 7000; entry 4 read-only user data, 5 kernel data, 6 not present, 7 execute-only
    /// code.
    /// Built anew on each use: a static field is built once per test process, so a mutant in With or NotPresent would
    /// go unseen.
    /// </summary>
    private static DescriptorTable Table => DescriptorTable.Empty(32)
        .With(3, SegmentDescriptor.Data(7000, Limit, User))
        .With(4, SegmentDescriptor.Data(9000, Limit, User, writable: false))
        .With(5, SegmentDescriptor.Data(0x10000, Limit, Kernel))
        .With(6, SegmentDescriptor.Data(0x20000, Limit, User).NotPresent())
        .With(7, SegmentDescriptor.Code(0x30000, Limit, User, readable: false));

    private static Selector Entry(int index, PrivilegeLevel rpl) => Selector.Of(index, TableIndicator.Gdt, rpl);

    private static Result<ulong> Translate(int index, ulong offset, SegmentAccess access = SegmentAccess.Read) =>
        SegmentTranslation.Translate(Table, Entry(index, User), offset, User, access);

    [Fact]
    public void Seed_segment_3_base_7000_offset_500_is_linear_7500() =>
        Assert.Equal(7500UL, Translate(3, 500).Value);

    [Fact]
    public void Offset_equal_to_the_limit_is_the_last_valid_byte_and_one_more_faults()
    {
        Assert.Equal(7000UL + Limit, Translate(3, Limit, SegmentAccess.Write).Value);
        Assert.Equal(new SegmentLimitViolation(Entry(3, User), Limit + 1, Limit), Translate(3, Limit + 1).Error);
        Assert.Equal(new SegmentLimitViolation(Entry(3, User), ulong.MaxValue, Limit),
            Translate(3, ulong.MaxValue).Error);
    }

    [Fact]
    public void User_cpl_or_user_rpl_cannot_use_a_kernel_data_segment()
    {
        Assert.Equal(new PrivilegeViolation(Entry(5, User), User, Kernel, SegmentAccess.Read), Translate(5, 0).Error);
        var kernelRpl = Entry(5, Kernel);
        Assert.Equal(new PrivilegeViolation(kernelRpl, User, Kernel, SegmentAccess.Write),
            SegmentTranslation.Translate(Table, kernelRpl, 0, User, SegmentAccess.Write).Error);
        Assert.Equal(new PrivilegeViolation(Entry(5, User), Kernel, Kernel, SegmentAccess.Read),
            SegmentTranslation.Translate(Table, Entry(5, User), 0, Kernel, SegmentAccess.Read).Error);
        Assert.Equal(0x10004UL, SegmentTranslation.Translate(Table, kernelRpl, 4, Kernel, SegmentAccess.Read).Value);
    }

    [Fact]
    public void The_kernel_may_use_a_user_data_segment() =>
        Assert.Equal(7001UL,
            SegmentTranslation.Translate(Table, Entry(3, Kernel), 1, Kernel, SegmentAccess.Write).Value);

    [Fact]
    public void Null_selector_faults_whatever_the_rpl()
    {
        Assert.Equal(new NullSelector(new Selector(0)),
            SegmentTranslation.Translate(Table, new Selector(0), 0, Kernel, SegmentAccess.Read).Error);
        Assert.Equal(new NullSelector(new Selector(3)),
            SegmentTranslation.Translate(Table, new Selector(3), 0, User, SegmentAccess.Read).Error);
    }

    [Fact]
    public void Index_beyond_the_table_faults_and_an_ldt_selector_is_not_modelled()
    {
        Assert.Equal(new SelectorBeyondTable(Entry(8, User), 8), Translate(8, 0).Error);
        Assert.Equal(new SelectorBeyondTable(Entry(8191, User), 8), Translate(8191, 0).Error);
        var local = Selector.Of(3, TableIndicator.Ldt, User);
        Assert.Equal(new LocalTableSelector(local),
            SegmentTranslation.Translate(Table, local, 0, User, SegmentAccess.Read).Error);
    }

    [Fact]
    public void Not_present_faults_and_so_does_an_unset_entry()
    {
        Assert.Equal(new SegmentNotPresent(Entry(6, User)), Translate(6, 0).Error);
        Assert.Equal(new SegmentNotPresent(Entry(2, Kernel)),
            SegmentTranslation.Translate(Table, Entry(2, Kernel), 0, Kernel, SegmentAccess.Read).Error);
    }

    [Fact]
    public void Access_type_must_match_the_segment_type()
    {
        Assert.Equal(9000UL, Translate(4, 0).Value);
        Assert.Equal(new WriteToReadOnlySegment(Entry(4, User), SegmentKind.Data),
            Translate(4, 0, SegmentAccess.Write).Error);
        Assert.Equal(new WriteToReadOnlySegment(Entry(7, User), SegmentKind.Code),
            Translate(7, 0, SegmentAccess.Write).Error);
        Assert.Equal(new ReadFromExecuteOnlySegment(Entry(7, User)), Translate(7, 0).Error);
        Assert.Equal(new FetchFromDataSegment(Entry(3, User)), Translate(3, 0, SegmentAccess.Fetch).Error);
        Assert.Equal(0x30010UL, Translate(7, 0x10, SegmentAccess.Fetch).Value);
    }

    [Fact]
    public void Linear_address_wraps_at_the_linear_width()
    {
        var table = DescriptorTable.Empty(32).With(1, SegmentDescriptor.Data(0xffff_f000, 0xffff_ffff, Kernel));
        Assert.Equal(0x10UL,
            SegmentTranslation.Translate(table, Entry(1, Kernel), 0x1010, Kernel, SegmentAccess.Read).Value);
    }

    [Fact]
    public void A_null_table_is_refused_before_the_selector_is_looked_at() =>
        Assert.Throws<ArgumentNullException>("table",
            () => SegmentTranslation.Translate(null!, new Selector(0), 0, Kernel, SegmentAccess.Read));

    public static TheoryData<Func<MmError?>, string> Faults => new()
    {
        { () => Translate(3, Limit + 1).Error,
            "SegmentLimitViolation: #GP(0): offset 0x3e8 through 0x1b (index 3, GDT, RPL 3) is beyond the limit "
            + "0x3e7" },
        { () => Translate(5, 0).Error,
            "PrivilegeViolation: #GP(0x28): read at CPL 3 with RPL 3 through a DPL 0 segment" },
        { () => Translate(6, 0).Error,
            "SegmentNotPresent: #NP(0x30): segment 0x33 (index 6, GDT, RPL 3) is not present" },
        { () => Translate(0, 0).Error,
            "NullSelector: #GP(0): access through the null selector 0x3 (index 0, GDT, RPL 3)" },
        {
            () => SegmentTranslation.Translate(Table, Selector.Of(3, TableIndicator.Ldt, User), 0, User,
                SegmentAccess.Read).Error,
            "LocalTableSelector: selector 0x1f (index 3, LDT, RPL 3) refers to an LDT, and only the GDT is modelled"
        },
        { () => Translate(8, 0).Error,
            "SelectorBeyondTable: #GP(0x40): selector 0x43 (index 8, GDT, RPL 3) is beyond the table's 8 entries" },
        { () => Translate(4, 0, SegmentAccess.Write).Error,
            "WriteToReadOnlySegment: #GP(0): write through 0x23 (index 4, GDT, RPL 3) to a read-only data segment" },
        { () => Translate(7, 0, SegmentAccess.Write).Error,
            "WriteToReadOnlySegment: #GP(0): write through 0x3b (index 7, GDT, RPL 3) to a read-only code segment" },
        { () => Translate(7, 0).Error,
            "ReadFromExecuteOnlySegment: #GP(0): read through 0x3b (index 7, GDT, RPL 3) from an execute-only code "
            + "segment" },
        { () => Translate(3, 0, SegmentAccess.Fetch).Error,
            "FetchFromDataSegment: #GP(0x18): instruction fetch through data segment 0x1b (index 3, GDT, RPL 3)" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void Errors_name_the_fault_and_the_values(Func<MmError?> fault, string text) =>
        Assert.Equal(text, fault()?.ToString());
}

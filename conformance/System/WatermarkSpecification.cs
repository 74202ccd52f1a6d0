using FsCheck;
using MMSpec.Conformance.Lockstep;
using MMSpec.Model.MemorySystem;
using Xunit.Abstractions;

namespace MMSpec.Conformance.MemorySystem;

/// <summary>
/// The zones' watermarks and the watermark test: subclass, override Create, and generated machines
/// (1 to 3 zones, a min_free_kbytes set or not, any watermark_scale_factor) with tests at each mark's edge are
/// checked: the marks in order and, at the exact level, Linux 6.18's numbers and __zone_watermark_ok's answers.
/// <code>
/// public sealed class MyWatermarksConform(ITestOutputHelper output) : WatermarkExactSpecification(output)
/// {
///     protected override IWatermarks Create() => new MyWatermarks();
/// }
/// </code>
/// </summary>
public abstract class WatermarkSafeSpecification(ITestOutputHelper output) : CaseSpecification<IWatermarks>(output)
{
    public override Level Level => Level.Safe;

    protected override int Cases => 200;

    protected sealed override Property Checked(IWatermarks subject, Level checks) => Holds(subject, checks);

    /// <summary>The property for any watermarks at <paramref name="checks"/>: what every test here runs.</summary>
    public static Property Holds(IWatermarks subject, Level checks) =>
        RuleProperty.ForAll(WatermarkCase.Arbitrary(), c => WatermarkRules.FirstBroken(subject, c, checks));
}

/// <summary>The watermarks at the exact level: Linux 6.18's marks, lowmem_reserve and watermark test.</summary>
public abstract class WatermarkExactSpecification(ITestOutputHelper output) : WatermarkSafeSpecification(output)
{
    public override Level Level => Level.Exact;
}

using System.Text.Json;
using System.Text.Json.Serialization;
using MMSpec.Model.Core;

namespace MMSpec.Model.Oom;

/// <summary>A process id (a thread-group leader's pid: the OOM killer scans processes).</summary>
[JsonConverter(typeof(JsonScalarConverter<Pid>))]
public readonly record struct Pid(int Value) : IJsonScalar<Pid>
{
    /// <summary>The global init (is_global_init): never killed.</summary>
    public static Pid Init => new(1);

    public static Pid ReadJson(ref Utf8JsonReader reader) => new(reader.GetInt32());

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

    public override string ToString() => $"pid {Value}";
}

/// <summary>
/// /proc/&lt;pid&gt;/oom_score_adj (signal_struct's oom_score_adj): OOM_SCORE_ADJ_MIN -1000 (never killed) to
/// OOM_SCORE_ADJ_MAX 1000, added to the badness in thousandths of the memory the OOM killer weighs.
/// </summary>
[JsonConverter(typeof(JsonScalarConverter<OomScoreAdj>))]
public readonly record struct OomScoreAdj(int Value) : IJsonScalar<OomScoreAdj>
{
    public const int Min = -1000;
    public const int Max = 1000;

    public bool IsValid => Value is >= Min and <= Max;

    public static OomScoreAdj ReadJson(ref Utf8JsonReader reader) => new(reader.GetInt32());

    public void WriteJson(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

    public override string ToString() => $"{Value}";
}

/// <summary>
/// The legacy /proc/&lt;pid&gt;/oom_adj (fs/proc/base.c): OOM_DISABLE -17, or -16 to OOM_ADJUST_MAX 15; written, it
/// sets oom_score_adj (15 is 1000, otherwise adj * 1000 / 17 with C's truncation: -17 is -1000, 14 is 823); read,
/// it shows oom_score_adj * 17 / 1000 capped at 15 (1000 reads as 15).
/// </summary>
public static class OomAdj
{
    public const int Disable = -17;
    public const int Max = 15;

    public static bool IsValid(int oomAdj) => oomAdj is >= Disable and <= Max;

    /// <summary>oom_adj_write's mapping of a valid oom_adj to oom_score_adj.</summary>
    public static OomScoreAdj ToScoreAdj(int oomAdj) =>
        new(oomAdj == Max ? OomScoreAdj.Max : oomAdj * OomScoreAdj.Max / -Disable);

    /// <summary>oom_adj_read: what the legacy file shows for <paramref name="adj"/>.</summary>
    public static int FromScoreAdj(OomScoreAdj adj) =>
        adj.Value == OomScoreAdj.Max ? Max : Math.Min(adj.Value * -Disable / OomScoreAdj.Max, Max);
}

/// <summary>
/// What the OOM killer reads of one process (a thread-group leader and its mm), in kernel units: pages for the RSS
/// counters (MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES) and MM_SWAPENTS, bytes for mm_pgtables_bytes, pages for
/// total_vm. <paramref name="HasMm"/> is false once every thread dropped its mm (find_lock_task_mm finds none);
/// <paramref name="Victim"/> is tsk_is_oom_victim (signal-&gt;oom_mm set), <paramref name="OomSkip"/> MMF_OOM_SKIP on
/// the mm (the reaper is done with it), <paramref name="Origin"/> oom_task_origin (swapoff, KSM unmerge).
/// </summary>
public sealed record OomTask(Pid Pid, string Comm, int Uid, bool KernelThread, OomScoreAdj Adj, bool HasMm,
    ulong AnonRss, ulong FileRss, ulong ShmemRss, ulong SwapEntries, ulong PgTablesBytes, ulong TotalVm,
    bool Victim = false, bool OomSkip = false, bool InVfork = false, bool Origin = false)
{
    /// <summary>oom_unkillable_task: the global init or a kernel thread.</summary>
    public bool Unkillable => Pid == Pid.Init || KernelThread;

    /// <summary>get_mm_rss: the three resident counters.</summary>
    public ulong Rss => AnonRss + FileRss + ShmemRss;

    public override string ToString() =>
        $"{Pid} ({Comm}) adj {Adj} rss {Rss} swap {SwapEntries} pgtables {PgTablesBytes}B"
        + (HasMm ? string.Empty : " no-mm") + (Victim ? " victim" : string.Empty)
        + (OomSkip ? " oom-skip" : string.Empty)
        + (InVfork ? " vfork" : string.Empty) + (Origin ? " origin" : string.Empty)
        + (KernelThread ? " kthread" : string.Empty);
}

/// <summary>What select_bad_process decided.</summary>
public enum OomOutcome
{
    /// <summary>A victim chosen: oom_kill_process kills it.</summary>
    Victim,

    /// <summary>
    /// An earlier victim is not yet reaped (no MMF_OOM_SKIP): the scan aborts (chosen = -1), nothing is killed and
    /// out_of_memory returns true, so the allocation retries.
    /// </summary>
    Aborted,

    /// <summary>No killable task: "Out of memory and no killable processes...", a panic for a global OOM.</summary>
    NoKillable,
}

/// <summary>select_bad_process's result: the outcome, and for a victim its pid and oom_badness points.</summary>
public readonly record struct OomSelection(OomOutcome Outcome, Pid? Chosen, long Points)
{
    public static OomSelection Aborted => new(OomOutcome.Aborted, null, 0);

    public static OomSelection NoKillable => new(OomOutcome.NoKillable, null, 0);

    public override string ToString() =>
        Outcome == OomOutcome.Victim ? $"victim {Chosen} ({Points} points)" : $"{Outcome}";
}

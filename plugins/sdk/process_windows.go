package sdk

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// processTree is a started command and everything it forks: on Windows a
// Job Object with KILL_ON_JOB_CLOSE. Only this plugin holds the job's
// handle, so when the plugin exits or crashes Windows kills the whole
// tree: the same guarantee as Pdeathsig on Linux.
type processTree struct {
	mu  sync.Mutex
	job windows.Handle // 0 once closed
}

// errNoPoliteStop says that Windows has no SIGTERM for a process tree.
var errNoPoliteStop = errors.New("windows has no polite stop for a process tree")

// ntResumeProcess resumes every thread of a process started suspended;
// exec.Cmd does not expose the main thread's handle.
var ntResumeProcess = windows.NewLazySystemDLL("ntdll.dll").NewProc("NtResumeProcess")

// treeProcAttr starts the command suspended, so that it cannot fork
// before it is inside its Job Object, in a new console process group.
func treeProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: windows.CREATE_SUSPENDED | windows.CREATE_NEW_PROCESS_GROUP}
}

// newProcessTree puts the suspended process pid into a new Job Object
// that kills its members when closed, then lets it run.
func newProcessTree(pid int) (*processTree, error) {
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return nil, fmt.Errorf("create job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{LimitFlags: windows.JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE},
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		_ = windows.CloseHandle(job)
		return nil, fmt.Errorf("set job object limits: %w", err)
	}
	proc, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE|windows.PROCESS_SUSPEND_RESUME, false, uint32(pid))
	if err != nil {
		_ = windows.CloseHandle(job)
		return nil, fmt.Errorf("open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(proc)
	if err := windows.AssignProcessToJobObject(job, proc); err != nil {
		_ = windows.CloseHandle(job)
		return nil, fmt.Errorf("assign process %d to job object: %w", pid, err)
	}
	if status, _, _ := ntResumeProcess.Call(uintptr(proc)); status != 0 {
		_ = windows.CloseHandle(job) // kills the still suspended process
		return nil, fmt.Errorf("resume process %d: NTSTATUS %#x", pid, status)
	}
	return &processTree{job: job}, nil
}

// terminate reports that no polite stop exists; the caller kills at once.
func (t *processTree) terminate() error { return errNoPoliteStop }

// kill terminates every process in the job.
func (t *processTree) kill() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.job == 0 {
		return nil
	}
	return windows.TerminateJobObject(t.job, 1)
}

// close releases the job, killing whatever is still in it.
func (t *processTree) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.job != 0 {
		_ = windows.CloseHandle(t.job)
		t.job = 0
	}
}

// killGroup kills the one process pid: on Windows a tree is only known
// through its Job Object, which startIn's caller does not have yet.
func killGroup(pid int) error {
	h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, uint32(pid))
	if err != nil {
		return fmt.Errorf("open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(h)
	return windows.TerminateProcess(h, 1)
}

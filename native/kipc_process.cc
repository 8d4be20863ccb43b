// kipc's process backend, native half (Linux): a kernel region in a named
// POSIX shared-memory object, mapped into this process and handed to
// JavaScript as a SharedArrayBuffer over the mapping, and the OS futex on
// its words, which wakes waiters in any process that maps the object.
//
// Everything here is a thin wrapper over one system call; the protocol
// (who waits, who wakes, what a death leaves behind) is in
// src/backend/process.ts. Errors throw an Error whose `code` is the errno
// name (EEXIST, ENOENT, EACCES, ...).
//
// V8's API rather than Node-API, for one reason: Node-API cannot make a
// SharedArrayBuffer over memory it did not allocate. That ties the binary
// to one Node ABI (prebuilds per version, node-gyp as the fallback).
#include <node.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

namespace {

using v8::Context;
using v8::Exception;
using v8::FunctionCallbackInfo;
using v8::Global;
using v8::HandleScope;
using v8::Int32Array;
using v8::Integer;
using v8::Isolate;
using v8::Local;
using v8::Number;
using v8::Object;
using v8::Promise;
using v8::SharedArrayBuffer;
using v8::String;
using v8::Value;

void Throw(Isolate* isolate, int err, const char* what) {
  std::string message = std::string("kipc native: ") + what + ": " + strerror(err);
  Local<Value> error = Exception::Error(String::NewFromUtf8(isolate, message.c_str()).ToLocalChecked());
  const char* name = err == EEXIST ? "EEXIST" : err == ENOENT ? "ENOENT" : err == EACCES ? "EACCES" : err == EPERM ? "EPERM" : err == EINVAL ? "EINVAL" : err == ENOMEM ? "ENOMEM" : err == ESRCH ? "ESRCH" : "EIO";
  error.As<Object>()->Set(isolate->GetCurrentContext(), String::NewFromUtf8Literal(isolate, "code"), String::NewFromUtf8(isolate, name).ToLocalChecked()).Check();
  isolate->ThrowException(error);
}

void Unmap(void* data, size_t length, void*) { munmap(data, length); }

// mapShared(name, bytes, create, mode): the shared-memory object `name`
// (a leading '/' and no other), created with exactly `bytes` bytes and
// permission bits `mode` when `create` (EEXIST if it exists), else opened
// as it is (bytes 0). Returns a SharedArrayBuffer over the whole mapping,
// unmapped when the last reference to it (in any thread) is collected.
void MapShared(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  String::Utf8Value name(isolate, args[0]);
  double bytes = args[1].As<Number>()->Value();
  bool create = args[2]->IsTrue();
  int mode = args[3].As<Integer>()->Value();
  int fd = shm_open(*name, create ? O_RDWR | O_CREAT | O_EXCL : O_RDWR, mode);
  if (fd < 0) return Throw(isolate, errno, "shm_open");
  size_t length;
  if (create) {
    // shm_open's mode is masked by the umask: set the bits asked for exactly.
    if (fchmod(fd, mode) != 0 || ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
      int err = errno;
      close(fd);
      shm_unlink(*name);
      return Throw(isolate, err, "sizing the shared object");
    }
    length = static_cast<size_t>(bytes);
  } else {
    struct stat st;
    if (fstat(fd, &st) != 0) {
      int err = errno;
      close(fd);
      return Throw(isolate, err, "fstat");
    }
    length = static_cast<size_t>(st.st_size);
  }
  void* data = length == 0 ? MAP_FAILED : mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = length == 0 ? EINVAL : errno;
  close(fd);
  if (data == MAP_FAILED) {
    if (create) shm_unlink(*name);
    return Throw(isolate, err, "mmap");
  }
  std::shared_ptr<v8::BackingStore> store = SharedArrayBuffer::NewBackingStore(data, length, Unmap, nullptr);
  args.GetReturnValue().Set(SharedArrayBuffer::New(isolate, std::move(store)));
}

// unlinkShared(name): removes the name (mappings stay valid). True if it existed.
void UnlinkShared(const FunctionCallbackInfo<Value>& args) {
  String::Utf8Value name(args.GetIsolate(), args[0]);
  args.GetReturnValue().Set(shm_unlink(*name) == 0);
}

int* WordAddress(Local<Value> array, Local<Value> index) {
  Local<Int32Array> words = array.As<Int32Array>();
  char* base = static_cast<char*>(words->Buffer()->Data()) + words->ByteOffset();
  return reinterpret_cast<int*>(base) + index.As<Integer>()->Value();
}

struct Pending;

// One environment (a thread that loaded the addon: the main thread or a
// worker): its pending asynchronous waits, and what its synchronous wait is
// sleeping on, so that a worker being terminated can be woken out of it.
struct Environment {
  Isolate* isolate;
  int threadId = -1;                      // worker_threads.threadId, once identify() told it
  std::mutex lock;
  std::set<Pending*> pending;
  std::atomic<int*> sleepingOn{nullptr};  // the word of the synchronous wait in progress
  std::atomic<bool> stopping{false};      // interrupted: its waits return at once from now on
};

// Every environment of this process that said its thread id, and whether
// the whole process is exiting (its waits must all return).
std::mutex registryLock;
std::map<int, Environment*> registry;
std::atomic<bool> processExiting{false};

// Mappings whose owner (the process that created the kernel) has died:
// waits on their words return at once (see watchOwner).
std::mutex deadLock;
std::vector<std::pair<const char*, size_t>> deadRanges;
std::atomic<int> deadCount{0};

bool InDeadRange(const int* word) {
  if (deadCount.load() == 0) return false;
  std::lock_guard<std::mutex> hold(deadLock);
  const char* at = reinterpret_cast<const char*>(word);
  for (auto& range : deadRanges) {
    if (at >= range.first && at < range.first + range.second) return true;
  }
  return false;
}

long Futex(int* word, int op, int value, const struct timespec* timeout) {
  return syscall(SYS_futex, word, op, value, timeout, nullptr, 0);
}

// 0: woken, or the word did not hold `value`, or a signal (re-check);
// 1: `timeoutMs` passed (negative or non-finite: no limit).
int WaitOn(int* word, int value, double timeoutMs) {
  struct timespec timeout;
  const struct timespec* limit = nullptr;
  if (std::isfinite(timeoutMs) && timeoutMs >= 0) {
    double seconds = std::floor(timeoutMs / 1000);
    timeout.tv_sec = static_cast<time_t>(seconds);
    timeout.tv_nsec = static_cast<long>((timeoutMs - seconds * 1000) * 1e6);
    limit = &timeout;
  }
  if (Futex(word, FUTEX_WAIT, value, limit) == 0) return 0;
  return errno == ETIMEDOUT ? 1 : 0;
}

// A wait sleeps in slices of at most this long, so that a stop request
// that lands between its check of the flag and its system call (and so
// wakes nobody) still ends it within a slice.
constexpr double SLICE_MS = 100;

// WaitOn() until woken (0), `timeoutMs` passes (1; negative or non-finite:
// no limit) or `stop` or processExiting is set, or the word's mapping is
// dead (0, as a spurious wake-up).
int SleepOn(int* word, int value, double timeoutMs, const std::atomic<bool>& stop) {
  bool limited = std::isfinite(timeoutMs) && timeoutMs >= 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(limited ? static_cast<int64_t>(timeoutMs * 1000) : 0);
  while (!stop.load() && !processExiting.load() && !InDeadRange(word)) {
    double slice = SLICE_MS;
    if (limited) {
      double left = std::chrono::duration<double, std::milli>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return 1;
      if (left < slice) slice = left;
    }
    if (WaitOn(word, value, slice) == 0) return 0;
  }
  return 0;
}

// wait(words, index, value, timeoutMs): sleeps while words[index] === value.
// A native system call is not something V8 can stop, so worker.terminate()
// alone would hang on a thread sleeping here (and so would the process's
// exit, which terminates its workers): interruptThread() and
// interruptProcess() wake it, and from then on its waits return at once
// (0, as for a spurious wake-up) until the thread's JavaScript is stopped.
void Wait(const FunctionCallbackInfo<Value>& args) {
  Environment* env = static_cast<Environment*>(args.Data().As<v8::External>()->Value());
  int* word = WordAddress(args[0], args[1]);
  env->sleepingOn.store(word);
  int result = SleepOn(word, args[2].As<Integer>()->Value(), args[3].As<Number>()->Value(), env->stopping);
  env->sleepingOn.store(nullptr);
  args.GetReturnValue().Set(result);
}

void Interrupt(Environment* env) {
  env->stopping.store(true);
  int* word = env->sleepingOn.load();
  if (word != nullptr) Futex(word, FUTEX_WAKE, 2147483647, nullptr);
}

// identify(threadId): this environment's worker_threads.threadId, for interruptThread().
void Identify(const FunctionCallbackInfo<Value>& args) {
  Environment* env = static_cast<Environment*>(args.Data().As<v8::External>()->Value());
  std::lock_guard<std::mutex> hold(registryLock);
  if (env->threadId >= 0) registry.erase(env->threadId);
  env->threadId = args[0].As<Integer>()->Value();
  registry[env->threadId] = env;
}

// interruptThread(threadId): the worker is being terminated: wake it out of
// its wait, and make its later waits return at once. Whether it was found.
void InterruptThread(const FunctionCallbackInfo<Value>& args) {
  std::lock_guard<std::mutex> hold(registryLock);
  auto found = registry.find(args[0].As<Integer>()->Value());
  if (found != registry.end()) Interrupt(found->second);
  args.GetReturnValue().Set(found != registry.end());
}

// interruptProcess(): the process is exiting: every thread's waits return at once.
void InterruptProcess(const FunctionCallbackInfo<Value>&) {
  processExiting.store(true);
  std::lock_guard<std::mutex> hold(registryLock);
  for (auto& entry : registry) Interrupt(entry.second);
}

// wake(words, index, count): wakes up to count sleepers (any process); how many it woke.
void Wake(const FunctionCallbackInfo<Value>& args) {
  double count = args[2].As<Number>()->Value();
  int n = count >= 2147483647 ? 2147483647 : static_cast<int>(count);
  long woken = Futex(WordAddress(args[0], args[1]), FUTEX_WAKE, n, nullptr);
  args.GetReturnValue().Set(static_cast<int>(woken < 0 ? 0 : woken));
}

// --- waits off the JavaScript thread ---------------------------------------
// One OS thread per pending wait, blocked in the futex or in poll() on a
// pidfd; it hands its result to the event loop through a uv_async_t, whose
// handle keeps the loop alive while the wait is pending. When a thread's
// environment is torn down (a worker terminated) with waits pending, its
// cleanup hook wakes each waiting thread, joins it and closes its handle,
// so that no thread outlives the loop it reports to.


struct Pending {
  Environment* env;
  Global<Promise::Resolver> resolver;
  Global<SharedArrayBuffer> keep;  // the memory stays mapped while a thread waits on it
  uv_async_t async;
  std::thread thread;
  int* word = nullptr;             // a futex wait: the word, woken to cancel it
  int cancel = -1;                 // a process watch: an eventfd written to cancel it
  std::atomic<bool> cancelled{false};
  int* ownerFlag = nullptr;        // an owner watch: the word set to 1 when the owner dies
  const char* mapping = nullptr;   // ... and the mapping whose waits then end
  size_t mappingLength = 0;
  std::atomic<int> result{0};
};

void Closed(uv_handle_t* handle) { delete static_cast<Pending*>(handle->data); }

// Forgets `pending` (its thread has finished or is finishing) and closes its handle. Loop thread.
void Finish(Pending* pending) {
  {
    std::lock_guard<std::mutex> hold(pending->env->lock);
    pending->env->pending.erase(pending);
  }
  if (pending->thread.joinable()) pending->thread.join();
  if (pending->cancel >= 0) close(pending->cancel);
  // Handles go now, while the isolate lives: the close callback may run
  // after a terminated worker's isolate is gone.
  pending->resolver.Reset();
  pending->keep.Reset();
  uv_close(reinterpret_cast<uv_handle_t*>(&pending->async), Closed);
}

void Settle(uv_async_t* async) {
  Pending* pending = static_cast<Pending*>(async->data);
  Isolate* isolate = pending->env->isolate;
  HandleScope scope(isolate);
  Local<Promise::Resolver> resolver = pending->resolver.Get(isolate);
  resolver->Resolve(resolver->GetCreationContext().ToLocalChecked(), Integer::New(isolate, pending->result.load())).Check();
  Finish(pending);
}

// The environment is going away: stop every waiting thread and close its handle.
void CleanUp(void* data) {
  Environment* env = static_cast<Environment*>(data);
  std::set<Pending*> left;
  {
    std::lock_guard<std::mutex> hold(env->lock);
    left = env->pending;
  }
  {
    std::lock_guard<std::mutex> hold(registryLock);
    if (env->threadId >= 0) registry.erase(env->threadId);
  }
  for (Pending* pending : left) {
    pending->cancelled.store(true);
    if (pending->word != nullptr) syscall(SYS_futex, pending->word, FUTEX_WAKE, 2147483647, nullptr, nullptr, 0);
    if (pending->cancel >= 0) {
      uint64_t one = 1;
      if (write(pending->cancel, &one, sizeof one) < 0) {
      }
    }
    Finish(pending);
  }
  delete env;
}

Pending* StartPending(const FunctionCallbackInfo<Value>& args) {
  Environment* env = static_cast<Environment*>(args.Data().As<v8::External>()->Value());
  Isolate* isolate = args.GetIsolate();
  Local<Promise::Resolver> resolver = Promise::Resolver::New(isolate->GetCurrentContext()).ToLocalChecked();
  Pending* pending = new Pending();
  pending->env = env;
  pending->resolver.Reset(isolate, resolver);
  pending->async.data = pending;
  uv_async_init(node::GetCurrentEventLoop(isolate), &pending->async, Settle);
  {
    std::lock_guard<std::mutex> hold(env->lock);
    env->pending.insert(pending);
  }
  args.GetReturnValue().Set(resolver->GetPromise());
  return pending;
}

// waitAsync(words, index, value, timeoutMs): a promise of wait()'s result.
void WaitAsync(const FunctionCallbackInfo<Value>& args) {
  int* word = WordAddress(args[0], args[1]);
  int value = args[2].As<Integer>()->Value();
  double timeoutMs = args[3].As<Number>()->Value();
  Pending* pending = StartPending(args);
  pending->word = word;
  pending->keep.Reset(args.GetIsolate(), args[0].As<Int32Array>()->Buffer().As<SharedArrayBuffer>());
  pending->thread = std::thread([pending, word, value, timeoutMs] {
    pending->result.store(SleepOn(word, value, timeoutMs, pending->cancelled));
    uv_async_send(&pending->async);
  });
}

// A thread that waits for the process behind pidfd `fd` (-1: gone already)
// to exit, or for `cancel`; on an exit, marks an owner watch's mapping dead.
void StartWatchThread(Pending* pending, int fd, int cancel) {
  pending->thread = std::thread([pending, fd, cancel] {
    bool exited = fd < 0;
    if (fd >= 0) {
      struct pollfd p[2] = {{fd, POLLIN, 0}, {cancel, POLLIN, 0}};
      while (poll(p, 2, -1) < 0 && errno == EINTR) {
      }
      exited = (p[0].revents & POLLIN) != 0;
      close(fd);
    }
    if (exited && pending->ownerFlag != nullptr) {
      __atomic_store_n(pending->ownerFlag, 1, __ATOMIC_SEQ_CST);
      std::lock_guard<std::mutex> hold(deadLock);
      deadRanges.emplace_back(pending->mapping, pending->mappingLength);
      deadCount.fetch_add(1);
    }
    uv_async_send(&pending->async);
  });
}

// watchProcess(pid): a promise that settles (with 0) when process `pid`
// exits, whoever its parent is (a pidfd); throws ESRCH if there is none now.
void WatchProcess(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  int pid = args[0].As<Integer>()->Value();
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return Throw(isolate, errno, "pidfd_open");
  int cancel = eventfd(0, EFD_CLOEXEC);
  if (cancel < 0) {
    int err = errno;
    close(fd);
    return Throw(isolate, err, "eventfd");
  }
  Pending* pending = StartPending(args);
  pending->cancel = cancel;
  StartWatchThread(pending, fd, cancel);
}

// watchOwner(words, flagIndex, pid): when process `pid` (the kernel's
// creator) exits, sets words[flagIndex] to 1 and makes every wait on the
// words' mapping in this process return at once (within a wait slice), so
// that no thread of this process sleeps for ever on a kernel nobody runs.
// Done by the watching thread itself: this process's JavaScript may be
// blocked in a wait. Does not keep the event loop alive.
void WatchOwner(const FunctionCallbackInfo<Value>& args) {
  Isolate* isolate = args.GetIsolate();
  Local<Int32Array> words = args[0].As<Int32Array>();
  int pid = args[2].As<Integer>()->Value();
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  int cancel = eventfd(0, EFD_CLOEXEC);
  if (cancel < 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    return Throw(isolate, err, "eventfd");
  }
  Pending* pending = StartPending(args);
  uv_unref(reinterpret_cast<uv_handle_t*>(&pending->async));
  pending->cancel = cancel;
  pending->keep.Reset(isolate, words->Buffer().As<SharedArrayBuffer>());
  pending->ownerFlag = WordAddress(args[0], args[1]);
  pending->mapping = static_cast<const char*>(words->Buffer()->Data());
  pending->mappingLength = words->Buffer()->ByteLength();
  StartWatchThread(pending, fd, cancel);
}

// processAlive(pid): whether process `pid` exists (it may be another's, after pid reuse).
void ProcessAlive(const FunctionCallbackInfo<Value>& args) {
  int pid = args[0].As<Integer>()->Value();
  args.GetReturnValue().Set(pid > 0 && (kill(pid, 0) == 0 || errno == EPERM));
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */) {
  Isolate* isolate = context->GetIsolate();
  Environment* env = new Environment();
  env->isolate = isolate;
  node::AddEnvironmentCleanupHook(isolate, CleanUp, env);
  Local<v8::External> data = v8::External::New(isolate, env);
  auto set = [&](const char* name, v8::FunctionCallback fn) {
    exports->Set(context, String::NewFromUtf8(isolate, name).ToLocalChecked(), v8::FunctionTemplate::New(isolate, fn, data)->GetFunction(context).ToLocalChecked()).Check();
  };
  set("mapShared", MapShared);
  set("unlinkShared", UnlinkShared);
  set("wait", Wait);
  set("wake", Wake);
  set("identify", Identify);
  set("interruptThread", InterruptThread);
  set("interruptProcess", InterruptProcess);
  set("waitAsync", WaitAsync);
  set("watchProcess", WatchProcess);
  set("watchOwner", WatchOwner);
  set("processAlive", ProcessAlive);
}

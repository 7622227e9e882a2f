// The report directory: four files that are one set, replaced atomically.
// The contract (what a reader may rely on, threading, cost) is in writers.hpp
// at write_report_dir; this is how it is kept.
//
// Layout of DIR:
//
//   DIR/results.json   -> .tangle/current/results.json    (symlinks, made once)
//   DIR/junit.xml      -> .tangle/current/junit.xml
//   DIR/results.sarif  -> .tangle/current/results.sarif
//   DIR/index.html     -> .tangle/current/index.html
//   DIR/.tangle/lock                 flock(2)ed by the writer for its whole write
//   DIR/.tangle/current -> sets/ID   the one published set
//   DIR/.tangle/sets/ID/             one set: the four files. ID is fresh per
//                                    write (make_run_id), not the run_id: one
//                                    report may be written twice to one DIR,
//                                    and a caller's run_id may hold any byte
//   DIR/.tangle/staging/             symlinks being made, renamed away at once
//
// The files are those of the file reporters (reporter.hpp: every registered
// format with a file name), each rendered through the Reporter interface.
//
// A write, with the lock held (rendering is done before, in memory):
//   1. Clean up: remove every set but the current one (partial sets of killed
//      writers, the previous set), empty staging/, and remove the
//      `NAME.tmp.PID` files older versions of tangle left behind.
//   2. Adopt an older layout: if DIR/NAME are regular files, hard-link what a
//      reader sees now into a set of their own and publish it (steps 4-5), so
//      the regular files become symlinks without a reader seeing a change.
//   3. Make sets/ID and write each file there with open(O_TMPFILE) (unnamed
//      until complete), write, fsync, linkat to its name; fsync sets/ID and
//      sets/. Where O_TMPFILE is unsupported (EOPNOTSUPP, or EISDIR from a
//      kernel that does not know it) the file is created under its final name
//      directly: sets/ID is not published yet, so a named temporary would buy
//      nothing, and nothing named `*.tmp*` can be left behind.
//   4. Flip: symlink staging/current -> sets/ID, rename(2) it over
//      .tangle/current (atomic: every path lookup through `current` sees the
//      old set or the new one), fsync .tangle.
//   5. Make the DIR/NAME symlinks if missing or not ours (symlink in
//      staging/, rename over DIR/NAME), then clean up as in step 1.
//
// Why this design: rename(2) can swap one name atomically, not four; swapping
// a directory would need DIR's parent (and fails when DIR is a mount point,
// where a temporary beside DIR would be on another filesystem). Everything
// here happens inside DIR, so it works on any filesystem with symlinks, a
// tmpfs mounted at DIR included. A failure at any step before 4 removes
// sets/ID and leaves the previous set published; a SIGKILL leaves at most an
// unpublished sets/ID (removed by step 1 of the next write) or a symlink in
// staging/ — hidden, and never a name with ".tmp" in it.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "tangle/report/reporter.hpp"
#include "tangle/report/writers.hpp"

namespace tangle::report {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCurrent = "current";  // in .tangle/
constexpr const char* kSetsPrefix = "sets/";

// The set's file names: every registered format that has a file, in
// registry order (reporter.cpp). Built once (a function-local static, so
// safe from any thread); the pointers stay valid for the process.
const std::vector<const char*>& set_files() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const ReporterFormat& format : reporter_formats())
      if (!format.file.empty()) out.emplace_back(format.file);
    return out;
  }();
  static const std::vector<const char*> pointers = [] {
    std::vector<const char*> out;
    for (const std::string& name : names) out.push_back(name.c_str());
    return out;
  }();
  return pointers;
}

using RenderedSet = std::vector<std::pair<const char*, std::string>>;

// Every file reporter run into memory, through the Reporter interface: a
// reporter that throws leaves DIR untouched, and the lock is taken only
// once every byte is ready.
RenderedSet render(const RunReport& report, const fs::path& source_root) {
  ReporterOptions options;
  options.source_root = source_root;
  RenderedSet files;
  const auto& names = set_files();
  std::size_t i = 0;
  for (const ReporterFormat& format : reporter_formats()) {
    if (format.file.empty()) continue;
    std::ostringstream text;
    std::unique_ptr<Reporter> reporter = format.make(options);
    reporter->set_output(text);
    report_to(*reporter, report);
    files.emplace_back(names[i++], std::move(text).str());
  }
  return files;
}

[[noreturn]] void fail(const std::string& what, const fs::path& path, int err) {
  throw ReportWriteError("cannot write report " + what + " " + path.string() + ": " +
                         std::strerror(err));
}

// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// mkdirat that accepts an existing directory, then opens it (0 / errno).
int open_dir_at(int parent, const char* name, Fd& out) {
  if (::mkdirat(parent, name, 0777) != 0 && errno != EEXIST) return errno;
  out = Fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return out ? 0 : errno;
}

// Writes all of `text` to `fd` and fsyncs it (0 / errno).
int write_and_sync(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return ::fsync(fd) == 0 ? 0 : errno;
}

// Closes `fd`, reporting a deferred write error (NFS reports them here).
int close_checked(Fd& fd) { return ::close(fd.release()) == 0 ? 0 : errno; }

// Creates `name` in directory `dir_fd` holding `text`, durable (0 / errno).
// Unnamed while being written (O_TMPFILE), named directly where unsupported.
int create_file_at(int dir_fd, const char* name, std::string_view text) {
  Fd fd(::openat(dir_fd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666));
  if (fd) {
    if (int err = write_and_sync(fd.get(), text)) return err;
    // linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; /proc/self/fd does not.
    const std::string proc = "/proc/self/fd/" + std::to_string(fd.get());
    if (::linkat(AT_FDCWD, proc.c_str(), dir_fd, name, AT_SYMLINK_FOLLOW) == 0 ||
        ::linkat(fd.get(), "", dir_fd, name, AT_EMPTY_PATH) == 0)
      return close_checked(fd);
    if (errno == ENOSPC || errno == EDQUOT || errno == EROFS) return errno;
    // No /proc and no capability: write it again under its name (below).
  } else if (errno != EOPNOTSUPP && errno != EISDIR) {
    return errno;
  }
  Fd named(::openat(dir_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666));
  if (!named) return errno;
  if (int err = write_and_sync(named.get(), text)) return err;
  return close_checked(named);
}

// The target of the symlink `name` in `dir_fd`, or "" when it is none.
std::string read_link_at(int dir_fd, const char* name) {
  char buf[4096];
  ssize_t n = ::readlinkat(dir_fd, name, buf, sizeof buf);
  return n > 0 && static_cast<std::size_t>(n) < sizeof buf ? std::string(buf, static_cast<std::size_t>(n))
                                                           : std::string();
}

// The entry names of the directory `dir_fd` (without "." and "..").
std::vector<std::string> list_dir(int dir_fd) {
  std::vector<std::string> names;
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return names;
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    return names;
  }
  while (const dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  return names;
}

// One locked writer of one report directory; the steps of the header comment.
class ReportDir {
 public:
  // Creates DIR/.tangle/{sets,staging}, then waits for the lock.
  explicit ReportDir(fs::path dir) : dir_(std::move(dir)) {
    std::error_code ec;
    fs::create_directories(dir_, ec);
    dir_fd_ = Fd(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd_) fail("directory", dir_, ec ? ec.value() : errno);
    if (int err = open_dir_at(dir_fd_.get(), ".tangle", tangle_fd_)) fail("directory", dir_ / ".tangle", err);
    Fd lock(::openat(tangle_fd_.get(), "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666));
    if (!lock) fail("file", dir_ / ".tangle/lock", errno);
    while (::flock(lock.get(), LOCK_EX) != 0)
      if (errno != EINTR) fail("file", dir_ / ".tangle/lock", errno);
    lock_ = std::move(lock);
    if (int err = open_dir_at(tangle_fd_.get(), "sets", sets_fd_)) fail("directory", dir_ / ".tangle/sets", err);
    if (int err = open_dir_at(tangle_fd_.get(), "staging", staging_fd_))
      fail("directory", dir_ / ".tangle/staging", err);
  }

  // Step 1: everything but the published set goes. Errors are ignored: a
  // leftover costs space, not correctness, and the next write tries again.
  void clean_up() {
    const std::string current = current_set();
    for (const auto& name : list_dir(sets_fd_.get()))
      if (name != current) remove_all(dir_ / ".tangle/sets" / name);
    for (const auto& name : list_dir(staging_fd_.get())) ::unlinkat(staging_fd_.get(), name.c_str(), 0);
    for (const auto& name : list_dir(dir_fd_.get()))
      for (const char* file : set_files())
        if (name.rfind(std::string(file) + ".tmp.", 0) == 0) ::unlinkat(dir_fd_.get(), name.c_str(), 0);
  }

  // Step 2: regular DIR/NAME files (an older tangle wrote them) become a set.
  void adopt_older_layout() {
    bool older = false;
    for (const char* file : set_files()) {
      struct stat st {};
      older |= ::fstatat(dir_fd_.get(), file, &st, AT_SYMLINK_NOFOLLOW) == 0 && !is_ours(file);
    }
    if (!older) return;
    const std::string id = "adopted-" + make_run_id();
    Fd set;
    if (int err = open_dir_at(sets_fd_.get(), id.c_str(), set)) fail("directory", dir_ / ".tangle/sets" / id, err);
    for (const char* file : set_files()) {
      // What a reader sees now, kept by a hard link (a copy where links fail).
      if (::linkat(dir_fd_.get(), file, set.get(), file, AT_SYMLINK_FOLLOW) == 0 || errno == ENOENT) continue;
      std::error_code ec;
      if (!fs::copy_file(dir_ / file, dir_ / ".tangle/sets" / id / file, ec) || ec) {
        discard(id);  // the older files stay as they are
        fail("file", dir_ / ".tangle/sets" / id / file, ec ? ec.value() : EIO);
      }
    }
    publish(id, set.get());
    link_names();
  }

  // Step 3: a new, unpublished set holding `files`; returns its id.
  std::string write_set(const RenderedSet& files) {
    const std::string id = make_run_id();
    const fs::path path = dir_ / ".tangle/sets" / id;
    Fd set;
    if (int err = open_dir_at(sets_fd_.get(), id.c_str(), set)) {
      remove_all(path);
      fail("directory", path, err);
    }
    for (const auto& [name, text] : files)
      if (int err = create_file_at(set.get(), name, text)) {
        remove_all(path);
        fail("file", dir_ / name, err);  // the name the user reads, not the hidden one
      }
    return id;
  }

  // Steps 4 and 5.
  void publish_and_link(const std::string& id) {
    Fd set(::openat(sets_fd_.get(), id.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!set) fail("directory", dir_ / ".tangle/sets" / id, errno);
    publish(id, set.get());
    link_names();
  }

  // Removes a set that will not be published (a failed write).
  void discard(const std::string& id) { remove_all(dir_ / ".tangle/sets" / id); }

 private:
  // The id of the published set, "" when there is none yet.
  std::string current_set() const {
    std::string target = read_link_at(tangle_fd_.get(), kCurrent);
    return target.rfind(kSetsPrefix, 0) == 0 ? target.substr(std::string_view(kSetsPrefix).size()) : "";
  }

  // Whether DIR/`file` is the symlink step 5 makes.
  bool is_ours(const char* file) const {
    return read_link_at(dir_fd_.get(), file) == std::string(".tangle/current/") + file;
  }

  // Makes `name` in `to_fd` a symlink to `target`, atomically: a fresh
  // symlink in staging/, renamed over it (0 / errno).
  int replace_with_symlink(const std::string& target, int to_fd, const char* name) {
    ::unlinkat(staging_fd_.get(), name, 0);
    if (::symlinkat(target.c_str(), staging_fd_.get(), name) != 0) return errno;
    if (::renameat(staging_fd_.get(), name, to_fd, name) != 0) {
      int err = errno;
      ::unlinkat(staging_fd_.get(), name, 0);
      return err;
    }
    return 0;
  }

  // Step 4: the set `id` (open as `set_fd`, fully written) becomes current.
  void publish(const std::string& id, int set_fd) {
    const fs::path set_path = dir_ / ".tangle/sets" / id;
    // The files' names and the set's own entry reach the disk before any
    // name points at them.
    if (::fsync(set_fd) != 0 || ::fsync(sets_fd_.get()) != 0) {
      int err = errno;
      discard(id);
      fail("directory", set_path, err);
    }
    if (int err = replace_with_symlink(kSetsPrefix + id, tangle_fd_.get(), kCurrent)) {
      discard(id);
      fail("file", dir_ / ".tangle" / kCurrent, err);
    }
    ::fsync(tangle_fd_.get());  // the flip happened; durability is best effort from here
  }

  // Step 5: DIR/NAME -> .tangle/current/NAME for each name not already so.
  void link_names() {
    bool changed = false;
    for (const char* file : set_files()) {
      if (is_ours(file)) continue;
      if (int err = replace_with_symlink(std::string(".tangle/current/") + file, dir_fd_.get(), file))
        fail("file", dir_ / file, err);
      changed = true;
    }
    if (changed) ::fsync(dir_fd_.get());
  }

  static void remove_all(const fs::path& path) {
    std::error_code ec;
    fs::remove_all(path, ec);
  }

  fs::path dir_;
  Fd dir_fd_, tangle_fd_, lock_, sets_fd_, staging_fd_;
};

}  // namespace

std::string make_run_id() {
  // Random bits from the kernel; should getrandom fail (no entropy yet with
  // GRND_NONBLOCK, an old kernel), the time and a process-wide counter still
  // make the id unique per call within this pid.
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t bits = 0;
  if (::getrandom(&bits, sizeof bits, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof bits))
    bits = static_cast<std::uint64_t>(
               std::chrono::steady_clock::now().time_since_epoch().count()) * 0x9E3779B97F4A7C15ull;
  bits ^= counter.fetch_add(1) * 0xBF58476D1CE4E5B9ull;
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  char id[96];
  std::snprintf(id, sizeof id, "%s-%ld-%016llx", stamp, static_cast<long>(::getpid()),
                static_cast<unsigned long long>(bits));
  return id;
}

void write_report_dir(const RunReport& report, const fs::path& dir, const fs::path& source_root) {
  RenderedSet files;
  if (report.run_id.empty()) {
    RunReport with_id = report;  // a copy: the caller's report stays const
    with_id.run_id = make_run_id();
    files = render(with_id, source_root);
  } else {
    files = render(report, source_root);
  }

  ReportDir target(dir);  // holds the lock until it goes out of scope
  target.clean_up();      // before writing: a killed writer's partial set frees its space
  target.adopt_older_layout();
  const std::string id = target.write_set(files);
  target.publish_and_link(id);
  target.clean_up();
}

}  // namespace tangle::report

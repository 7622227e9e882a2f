// Renders index.html in real headless Chromium: the page loads with no
// JavaScript error, the script ran (filters filled in), no injected markup
// executed, and a screenshot of a deadlock finding (timeline + cycle graph)
// lands in the build directory for a human to look at.
//
// Skipped with a clear message when no Chromium is installed (Debian:
// `apt-get install chromium`); TANGLE_CHROMIUM overrides the binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "sample_report.hpp"
#include "tangle/report/writers.hpp"

namespace tangle::report {
namespace {

namespace fs = std::filesystem;

std::string find_chromium() {
  if (const char* env = std::getenv("TANGLE_CHROMIUM"); env && *env) return env;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
    std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return name;
  }
  return "";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Reports errors and alert() calls as attributes on <html>, visible in --dump-dom.
constexpr const char* kProbe =
    "<script>window.onerror=function(m){document.documentElement.setAttribute("
    "'data-js-error',String(m));};window.addEventListener('unhandledrejection',function(e){"
    "document.documentElement.setAttribute('data-js-error',String(e.reason));});"
    "window.alert=function(m){document.documentElement.setAttribute('data-alert',String(m));};"
    "</script>";

class Browser : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_chromium();
    if (chromium_.empty())
      GTEST_SKIP() << "Chromium not installed (apt-get install chromium, or set TANGLE_CHROMIUM); "
                      "skipping the in-browser checks of index.html";
    work_ = testing::temp_dir("browser");
  }
  void TearDown() override {
    if (!work_.empty()) fs::remove_all(work_);
  }

  // Runs Chromium headless with `args` on file://page; returns the exit status.
  int run(const fs::path& page, const std::string& args, const fs::path& out, const fs::path& err) {
    auto profile = work_ / ("profile-" + std::to_string(runs_++));
    std::string cmd = "timeout 120 " + chromium_ +
                      " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage"
                      " --disable-background-networking --no-first-run --disable-component-update"
                      " --disable-sync --disable-extensions --hide-scrollbars"
                      " --user-data-dir='" + profile.string() + "' --enable-logging=stderr --v=0 " +
                      args + " 'file://" + page.string() + "' >'" + out.string() + "' 2>'" +
                      err.string() + "'";
    return std::system(cmd.c_str());
  }

  std::string chromium_;
  fs::path work_;
  int runs_ = 0;
};

TEST_F(Browser, LoadsWithoutJavaScriptErrors) {
  auto root = testing::make_source_root();
  std::ostringstream html;
  HtmlOptions options;
  options.source_root = root;
  write_html(testing::sample_report(), html, options);
  std::string page = html.str();
  auto head = page.find("<head>");
  ASSERT_NE(head, std::string::npos);
  page.insert(head + 6, kProbe);
  auto path = work_ / "index.html";
  std::ofstream(path) << page;

  auto dom_path = work_ / "dom.html", err_path = work_ / "stderr.txt";
  int status = run(path, "--virtual-time-budget=3000 --dump-dom", dom_path, err_path);
  std::string dom = slurp(dom_path), err = slurp(err_path);
  ASSERT_EQ(status, 0) << "chromium failed:\n" << err;
  ASSERT_FALSE(dom.empty()) << err;
  // The probe's own source mentions these names; the attributes would be `name="`.
  EXPECT_EQ(dom.find("data-js-error=\""), std::string::npos) << dom.substr(0, 600);
  EXPECT_EQ(dom.find("data-alert=\""), std::string::npos) << "injected markup ran";
  EXPECT_EQ(err.find("Uncaught"), std::string::npos) << err;
  // Our script ran to the end and filled in the filter count.
  EXPECT_NE(dom.find("data-tangle-ready=\"1\""), std::string::npos);
  EXPECT_NE(dom.find("6 of 6 scenarios shown"), std::string::npos);
  // The hostile name is text in the rendered DOM.
  EXPECT_NE(dom.find("evil/&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  // Keep a screenshot of the whole sample page for humans.
  auto shot = fs::path(TANGLE_REPORT_TEST_OUT) / "report_sample.png";
  run(path, "--window-size=1400,3000 --screenshot='" + shot.string() + "'", work_ / "o2", work_ / "e2");
  fs::remove_all(root);
}

TEST_F(Browser, ScreenshotOfADeadlockFinding) {
  auto root = testing::make_source_root();
  std::ostringstream html;
  HtmlOptions options;
  options.source_root = root;
  write_html(testing::deadlock_report(), html, options);
  auto path = work_ / "deadlock.html";
  std::ofstream(path) << html.str();
  auto shot = fs::path(TANGLE_REPORT_TEST_OUT) / "report_deadlock.png";
  fs::remove(shot);
  int status = run(path, "--window-size=1400,2000 --screenshot='" + shot.string() + "'",
                   work_ / "out.txt", work_ / "err.txt");
  ASSERT_EQ(status, 0) << slurp(work_ / "err.txt");
  ASSERT_TRUE(fs::exists(shot)) << slurp(work_ / "err.txt");
  EXPECT_GT(fs::file_size(shot), 20000u) << "suspiciously small screenshot";
  std::printf("[ screenshot ] %s\n", shot.c_str());
  ::testing::Test::RecordProperty("screenshot", shot.string());
  fs::remove_all(root);
}

}  // namespace
}  // namespace tangle::report

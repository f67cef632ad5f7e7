// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IOceanFixedRateExchange} from "./OceanInterfaces.sol";
import {PoolShareToken} from "./PoolShareToken.sol";

/// @dev The DataPool getters PoolRevenue reads.
interface IDataPoolRevenueSource {
    function shareToken() external view returns (PoolShareToken);
    function fixedRateExchange() external view returns (IOceanFixedRateExchange);
    function exchangeId() external view returns (bytes32);
}

/// @title PoolRevenue
/// @notice Receives a data pool's revenue and shares it among the members, pro rata to their
/// shares at the time of payment. It is the pool datatoken's payment collector: the exchange's
/// `collectBT` sends it the base token buyers paid, and `startOrder` sends it the datatokens spent.
/// @dev No owner, no governance, no arbitrary call: tokens leave only through a member's claim.
/// Anyone records a distribution (`distribute`, `collect`): the contract's balance of a token
/// beyond what it already owes becomes a distribution against the share supply at the previous
/// block. Each member pulls its part (`claim`): amount × shares(member, t) / totalShares(t), where
/// shares are the PoolShareToken's checkpointed balances (its votes, since it cannot delegate).
/// No loop over members; one bit per (member, distribution) stops double claims; claims follow
/// checks-effects-interactions behind a reentrancy guard. Rounding down leaves less than one unit
/// per member and distribution unclaimable (it stays counted as owed). Revenue that waits on the
/// exchange is shared by the shares at the time it is collected: collect often. Fee-on-transfer
/// and rebasing tokens are not supported.
contract PoolRevenue is ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice Revenue recorded for the members: `amount` of `token`, shared by shares at
    /// `timepoint` (the block before the distribution) over `totalShares` at that block.
    struct Distribution {
        IERC20 token;
        uint48 timepoint;
        uint256 amount;
        uint256 totalShares;
    }

    /// @notice The DataPool this contract pays the members of.
    address public immutable pool;
    /// @notice The pool's share token.
    PoolShareToken public immutable shareToken;

    Distribution[] private _distributions;
    mapping(IERC20 token => uint256) private _owed;
    mapping(address member => mapping(uint256 word => uint256 bits)) private _claimed;

    event RevenueDistributed(uint256 indexed distributionId, IERC20 indexed token, uint256 amount, uint48 timepoint, uint256 totalShares);
    event RevenueClaimed(uint256 indexed distributionId, address indexed member, IERC20 indexed token, uint256 amount);

    error NoExchange();
    error NothingToDistribute(IERC20 token);
    error NoShares();
    error UnknownDistribution(uint256 distributionId);
    error AlreadyClaimed(uint256 distributionId, address member);
    error NothingToClaim(uint256 distributionId, address member);

    constructor(address pool_) {
        pool = pool_;
        shareToken = IDataPoolRevenueSource(pool_).shareToken();
    }

    /// @notice Collects the base token the pool's exchange holds for the pool (to this contract,
    /// the payment collector) and distributes this contract's whole undistributed balance of it.
    function collect() external nonReentrant returns (uint256 distributionId) {
        IOceanFixedRateExchange exchange = IDataPoolRevenueSource(pool).fixedRateExchange();
        bytes32 exchangeId = IDataPoolRevenueSource(pool).exchangeId();
        if (exchangeId == bytes32(0)) revert NoExchange();
        (,,, address baseToken,,,,,,, uint256 btBalance,) = exchange.getExchange(exchangeId);
        if (btBalance > 0) exchange.collectBT(exchangeId, btBalance);
        return _distribute(IERC20(baseToken));
    }

    /// @notice Records this contract's undistributed balance of `token` (base token revenue, or
    /// datatokens from orders) as a distribution by the shares at the previous block. Anyone may call.
    function distribute(IERC20 token) external nonReentrant returns (uint256 distributionId) {
        return _distribute(token);
    }

    /// @notice Pays the sender its part of a distribution, once.
    function claim(uint256 distributionId) external nonReentrant returns (uint256 amount) {
        return _claim(distributionId, msg.sender);
    }

    /// @notice Claims several distributions for the sender; reverts if any of them pays nothing.
    function claimMany(uint256[] calldata distributionIds) external nonReentrant returns (uint256 total) {
        for (uint256 i = 0; i < distributionIds.length; i++) total += _claim(distributionIds[i], msg.sender);
    }

    /// @notice What `member` may still claim from a distribution (0 once claimed or without shares then).
    function claimable(uint256 distributionId, address member) external view returns (uint256) {
        if (distributionId >= _distributions.length || isClaimed(distributionId, member)) return 0;
        Distribution storage d = _distributions[distributionId];
        return Math.mulDiv(d.amount, shareToken.getPastVotes(member, d.timepoint), d.totalShares);
    }

    /// @notice Whether `member` claimed `distributionId`.
    function isClaimed(uint256 distributionId, address member) public view returns (bool) {
        return _claimed[member][distributionId >> 8] & (1 << (distributionId & 0xff)) != 0;
    }

    /// @notice How many distributions there have been.
    function distributionCount() external view returns (uint256) {
        return _distributions.length;
    }

    /// @notice One distribution.
    function distribution(uint256 distributionId) external view returns (Distribution memory) {
        if (distributionId >= _distributions.length) revert UnknownDistribution(distributionId);
        return _distributions[distributionId];
    }

    /// @notice How much of `token` is distributed and not yet claimed.
    function owed(IERC20 token) external view returns (uint256) {
        return _owed[token];
    }

    function _distribute(IERC20 token) private returns (uint256 distributionId) {
        uint256 balance = token.balanceOf(address(this));
        uint256 alreadyOwed = _owed[token];
        if (balance <= alreadyOwed) revert NothingToDistribute(token);
        uint48 timepoint = shareToken.clock() - 1;
        uint256 totalShares = shareToken.getPastTotalSupply(timepoint);
        if (totalShares == 0) revert NoShares();
        uint256 amount = balance - alreadyOwed;
        _owed[token] = balance;
        distributionId = _distributions.length;
        _distributions.push(Distribution({token: token, timepoint: timepoint, amount: amount, totalShares: totalShares}));
        emit RevenueDistributed(distributionId, token, amount, timepoint, totalShares);
    }

    function _claim(uint256 distributionId, address member) private returns (uint256 amount) {
        if (distributionId >= _distributions.length) revert UnknownDistribution(distributionId);
        if (isClaimed(distributionId, member)) revert AlreadyClaimed(distributionId, member);
        Distribution storage d = _distributions[distributionId];
        amount = Math.mulDiv(d.amount, shareToken.getPastVotes(member, d.timepoint), d.totalShares);
        if (amount == 0) revert NothingToClaim(distributionId, member);
        // Effects before the transfer: a re-entrant claim would find the bit set (and the guard shut).
        _claimed[member][distributionId >> 8] |= 1 << (distributionId & 0xff);
        _owed[d.token] -= amount;
        emit RevenueClaimed(distributionId, member, d.token, amount);
        d.token.safeTransfer(member, amount);
    }
}
